"""What a user may change or delete among the rows they can see.

Admins may do everything. Members: a project's owner manages the project, its items,
comments and tags; any member of a project edits its items and manages its tags; an item's
owner deletes the item; a comment's author edits and deletes the comment.

:func:`deletable_rows` states the delete rules as SQL criteria for the engine, which checks
them set-based over every row an operation reaches (a cascade included): a member deleting
an item with someone else's comments on it is fine (they go with the item), a member bulk
deleting other people's items in a project they do not own is refused, row by row.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import g, has_request_context
from sqlalchemy import ColumnElement, Select, false, or_, select

from taskboard.models import Comment, Item, Project, Role, Tag, User, project_member

ROLES = "taskboard_roles"  # flask.g: {account id: role}, for this request


def _owned_projects(user_id: int) -> Select[int]:
    return select(Project.id).where(Project.owner_id == user_id)


def _member_projects(user_id: int) -> Select[int]:
    member_of = select(project_member.c.project_id).where(project_member.c.user_id == user_id)
    return select(Project.id).where(or_(Project.owner_id == user_id, Project.id.in_(member_of)))


def may_manage_project(user: User, project: Project) -> bool:
    return user.is_admin or project.owner_id == user.id


def may_edit_item(user: User, item: Item) -> bool:
    # Anyone who can see an item is on its team and may edit it.
    return True


def may_delete_item(user: User, item: Item) -> bool:
    return user.is_admin or user.id in (item.owner_id, item.project.owner_id)


def may_edit_comment(user: User, comment: Comment) -> bool:
    return user.is_admin or comment.author_id == user.id


def may_delete_comment(user: User, comment: Comment) -> bool:
    return may_edit_comment(user, comment) or comment.item.project.owner_id == user.id


def may_manage_tag(user: User, tag: Tag) -> bool:
    return True  # tags are the team's shared labels


def may_delete_user(user: User, target: User) -> bool:
    return user.is_admin or user.id == target.id


@lru_cache(maxsize=1024)
def _deletable(user_id: int, model: type) -> ColumnElement[bool] | None:
    """Built once per (account, model): SQL expressions are immutable and reusable, and the
    engine asks for them on every delete, once per model it reaches."""
    owned = _owned_projects(user_id)
    if model is Project:
        return Project.owner_id == user_id
    if model is Item:
        return or_(Item.owner_id == user_id, Item.project_id.in_(owned))
    if model is Comment:
        in_owned = select(Item.id).where(Item.project_id.in_(owned))
        return or_(Comment.author_id == user_id, Comment.item_id.in_(in_owned))
    if model is Tag:
        return Tag.project_id.in_(_member_projects(user_id))
    if model is User:
        return User.id == user_id
    return false()


def deletable_rows(actor: Any, model: type) -> ColumnElement[bool] | None:
    """The engine's permission hook: the rows of ``model`` that ``actor`` may delete.

    ``actor`` is a :class:`User` (previews) or its recorded form ``"user:<id>"`` (deletes).
    Anything else is the application itself (the CLI, the demo loader): unrestricted.
    """
    principal = _principal(actor)
    if principal is None:
        return None
    user_id, role = principal
    if role == Role.ADMIN.value:
        return None
    return _deletable(user_id, model)


def _principal(actor: Any) -> tuple[int, str] | None:
    if isinstance(actor, User):
        return actor.id, actor.role
    if isinstance(actor, str) and actor.startswith("user:"):
        try:
            user_id = int(actor.removeprefix("user:"))
        except ValueError:
            return (0, Role.MEMBER.value)
        return (user_id, _role_of(user_id) or Role.MEMBER.value)
    return None


def remember_role(user: User) -> None:
    """Note the role of the request's authenticated ``user`` (just loaded): the engine calls
    the hook once per model an operation reaches, and it then needs no query for them."""
    if has_request_context():
        _known_roles()[user.id] = user.role


def _known_roles() -> dict[int, str]:
    roles: dict[int, str] = g.setdefault(ROLES, {})
    return roles


def _role_of(user_id: int) -> str | None:
    """The role of account ``user_id``: as noted for this request, else read (once)."""
    known = _known_roles() if has_request_context() else {}
    if user_id in known:
        return known[user_id]
    from taskboard.extensions import db

    # A column select, not an entity load: the actor may be deleting their own account,
    # and is then already stamped when the engine checks this.
    role = db.session.execute(
        select(User.role).where(User.id == user_id),
        execution_options={"include_deleted": True},
    ).scalar_one_or_none()
    if role is not None and has_request_context():
        known[user_id] = role
    return role
