"""Items: the filtered listing (also what a bulk delete takes), create and edit.

Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select

from taskboard.access.rows import scoped
from taskboard.extensions import db
from taskboard.formkit import choices
from taskboard.models import Item, Project, Status, Tag, User
from taskboard.projects.services import team
from taskboard.security import parse_id

from .forms import ItemFilterForm, ItemForm

FILTER_KEYS = ("q", "project", "status", "assignee", "tag")


@dataclass(frozen=True)
class ItemFilter:
    q: str = ""
    project_id: int | None = None
    status: str = ""
    assignee: str = ""  # "" | "me" | "none"
    tag: str = ""

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for links and the bulk selection)."""
        values = {
            "q": self.q,
            "project": str(self.project_id) if self.project_id else "",
            "status": self.status,
            "assignee": self.assignee,
            "tag": self.tag,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())


@dataclass(frozen=True)
class ItemInput:
    name: str
    description: str = ""
    status: str = Status.OPEN.value
    assignee_id: int | None = None
    due: date | None = None
    tag_ids: tuple[int, ...] = field(default_factory=tuple)


class ItemError(Exception):
    """An item edit refused; ``fields`` maps form fields to what is wrong."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def fill_filter_choices(form: ItemFilterForm, user: User, project: Project | None = None) -> None:
    if project is not None:
        form.project.choices = choices([(str(project.id), project.name)])
        return
    projects = db.session.execute(
        scoped(Project, user).with_only_columns(Project.id, Project.name).order_by(Project.name)
    ).all()
    form.project.choices = choices([("", "All projects"), *((str(i), n) for i, n in projects)])


def filter_from(form: ItemFilterForm, project: Project | None = None) -> ItemFilter:
    """The filter the form asks for; a field that does not validate is ignored."""
    form.validate()

    def ok(name: str) -> str:
        value = form[name].data
        return str(value) if value and not form[name].errors else ""

    project_id = project.id if project is not None else parse_id(ok("project"))
    return ItemFilter(
        q=ok("q"),
        project_id=project_id,
        status=ok("status"),
        assignee=ok("assignee"),
        tag=ok("tag"),
    )


def invalid_filter_fields(form: ItemFilterForm) -> list[str]:
    """Why each filter field that does not validate is refused (a listing ignores them; a
    bulk delete of "all matching" must not, or it would take more than was asked)."""
    form.validate()
    return [
        f"{form[name].label.text}: {error}"
        for name in ("q", "project", "status", "assignee", "tag")
        for error in form[name].errors
    ]


def matching(user: User, wanted: ItemFilter) -> Select[Item]:
    """The items ``user`` may see that match ``wanted``: the list, and a bulk selection."""
    query = scoped(Item, user)
    if wanted.q:
        query = query.where(Item.name.icontains(wanted.q, autoescape=True))
    if wanted.project_id is not None:
        query = query.where(Item.project_id == wanted.project_id)
    if wanted.status:
        query = query.where(Item.status == wanted.status)
    if wanted.assignee == "me":
        query = query.where(Item.assignee_id == user.id)
    elif wanted.assignee == "none":
        # No live assignee: a deleted account still linked (a soft delete keeps its links,
        # so that Undo gives them back) shows as nobody, and is listed as nobody.
        query = query.where(~Item.assignee.has())
    if wanted.tag:
        # Spelled out: the engine evaluates bulk selections without the soft-delete filter.
        query = query.where(Item.tags.any((Tag.name == wanted.tag) & Tag.deleted_at.is_(None)))
    return query


def listing(user: User, wanted: ItemFilter) -> Select[Item]:
    return matching(user, wanted).order_by(Item.due.is_(None), Item.due, Item.id.desc())


def fill_item_choices(form: ItemForm, project: Project) -> None:
    form.assignee.choices = choices([(0, "Nobody"), *((u.id, u.username) for u in team(project))])
    form.tags.choices = choices((t.id, t.name) for t in project.tags)


def input_from(form: ItemForm) -> ItemInput:
    return ItemInput(
        name=form.name.data or "",
        description=form.description.data or "",
        status=form.status.data or Status.OPEN.value,
        assignee_id=form.assignee.data or None,
        due=form.due.data,
        tag_ids=tuple(form.tags.data or ()),
    )


def _apply(item: Item, project: Project, data: ItemInput) -> None:
    problems: dict[str, str] = {}
    members = {u.id: u for u in team(project)}
    kept = data.assignee_id == item.assignee_id  # not asked to change: left as it is
    if data.assignee_id is not None and not kept and data.assignee_id not in members:
        # (An assignee who left the team since, or whose account is in the trash, stays
        # until someone changes it: renaming the item must not need that first.)
        problems["assignee"] = "Assign the item to someone on the project."
    tags = {t.id: t for t in project.tags}
    if any(t not in tags for t in data.tag_ids):
        problems["tags"] = "Use this project's tags."
    if data.status not in {s.value for s in Status}:
        problems["status"] = "Unknown status."
    if problems:
        raise ItemError(problems)
    item.name = data.name
    item.description = data.description
    item.status = data.status
    if not kept:
        item.assignee = members.get(data.assignee_id) if data.assignee_id else None
    item.due = data.due
    item.tags = [tags[t] for t in data.tag_ids]


def create(project: Project, owner: User, data: ItemInput) -> Item:
    item = Item(project=project, owner=owner)
    # The team and tags load lazily in _apply: not a reason to flush the half-made item.
    with db.session.no_autoflush:
        _apply(item, project, data)
    db.session.add(item)
    db.session.flush()
    return item


def update(item: Item, data: ItemInput) -> Item:
    _apply(item, item.project, data)
    db.session.flush()
    return item
