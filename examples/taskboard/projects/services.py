"""Projects: listing, creating, editing, membership and ownership. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from taskboard.access.rows import scoped
from taskboard.extensions import db
from taskboard.models import Item, Project, User, project_member


@dataclass(frozen=True)
class ProjectFilter:
    q: str = ""
    role: str = ""  # "" | "owner" | "member"


@dataclass(frozen=True)
class ProjectInput:
    name: str
    description: str = ""


class ProjectError(Exception):
    """A membership or ownership change refused, with every reason."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def listing(user: User, wanted: ProjectFilter) -> Select[Project]:
    query = scoped(Project, user)
    if wanted.q:
        query = query.where(Project.name.icontains(wanted.q, autoescape=True))
    if wanted.role == "owner":
        query = query.where(Project.owner_id == user.id)
    elif wanted.role == "member":
        member_of = select(project_member.c.project_id).where(project_member.c.user_id == user.id)
        query = query.where(Project.id.in_(member_of))
    return query.order_by(Project.name, Project.id)


def item_counts(project_ids: list[int]) -> dict[int, int]:
    """Live items per project, in one query."""
    if not project_ids:
        return {}
    query = (
        select(Item.project_id, func.count())
        .where(Item.project_id.in_(project_ids))
        .group_by(Item.project_id)
    )
    return {int(pid): int(n) for pid, n in db.session.execute(query)}


def create(owner: User, data: ProjectInput) -> Project:
    project = Project(name=data.name, description=data.description, owner=owner)
    db.session.add(project)
    db.session.flush()
    return project


def update(project: Project, data: ProjectInput) -> Project:
    project.name = data.name
    project.description = data.description
    db.session.flush()
    return project


def team(project: Project) -> list[User]:
    """The owner and the live members, owner first."""
    return [project.owner, *(m for m in project.members if m.id != project.owner_id)]


def add_member(project: Project, username: str) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise ProjectError([f"There is no account named “{username}”."])
    if user.id == project.owner_id or user in project.members:
        raise ProjectError([f"{user.username} is already on this project."])
    project.members.append(user)
    db.session.flush()
    return user


def remove_member(project: Project, user_id: int) -> User:
    user = next((m for m in project.members if m.id == user_id), None)
    if user is None:
        raise ProjectError(["That person is not a member of this project."])
    project.members.remove(user)
    db.session.flush()
    return user


def transfer(project: Project, new_owner_id: int) -> User:
    """Hand the project to one of its members; the old owner stays on as a member."""
    new_owner = next((m for m in project.members if m.id == new_owner_id), None)
    if new_owner is None:
        raise ProjectError(["The new owner must be a member of the project."])
    old_owner = project.owner
    project.members.remove(new_owner)
    project.owner = new_owner
    if old_owner not in project.members:
        project.members.append(old_owner)
    db.session.flush()
    return new_owner
