"""One scoped loader per model: every list, page, edit, delete, bulk delete and restore goes
through these, so a member can never reach another team's rows. A row outside the caller's
scope is answered like a row that does not exist: 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.sql.base import ExecutableOption
from werkzeug.exceptions import NotFound

from taskboard.extensions import db
from taskboard.models import Comment, Item, Project, Tag, User, project_member

M = TypeVar("M", Project, Item, Comment, Tag, User)


def visible_project_ids(user: User) -> Select[int]:
    """Ids of the projects ``user`` owns or is a member of (every project for admins)."""
    if user.is_admin:
        return select(Project.id)
    member_of = select(project_member.c.project_id).where(project_member.c.user_id == user.id)
    return select(Project.id).where(or_(Project.owner_id == user.id, Project.id.in_(member_of)))


def _project_scope(user: User) -> ColumnElement[bool]:
    return Project.id.in_(visible_project_ids(user))


def _item_scope(user: User) -> ColumnElement[bool]:
    return Item.project_id.in_(visible_project_ids(user))


def _comment_scope(user: User) -> ColumnElement[bool]:
    items = select(Item.id).where(_item_scope(user))
    return Comment.item_id.in_(items)


def _tag_scope(user: User) -> ColumnElement[bool]:
    return Tag.project_id.in_(visible_project_ids(user))


def _user_scope(user: User) -> ColumnElement[bool]:
    # People are listed and managed by admins; a member only reaches their own account.
    return true() if user.is_admin else User.id == user.id


SCOPES: dict[type[Any], Callable[[User], ColumnElement[bool]]] = {
    Project: _project_scope,
    Item: _item_scope,
    Comment: _comment_scope,
    Tag: _tag_scope,
    User: _user_scope,
}  # {model: the rows of it a user may see}


def scope(model: type[M], user: User) -> ColumnElement[bool]:
    """The criterion selecting the rows of ``model`` that ``user`` may see."""
    return SCOPES[model](user)


def scoped(model: type[M], user: User) -> Select[M]:
    """``select(model)`` narrowed to what ``user`` may see; compose, filter and paginate it."""
    return select(model).where(scope(model, user))


def find(model: type[M], ident: int, user: User, *options: ExecutableOption) -> M | None:
    """The live row ``ident`` of ``model`` if ``user`` may see it; ``options`` (such as
    ``joinedload(Item.project)``) load what the caller needs next in the same statement."""
    query = scoped(model, user).where(model.id == ident).options(*options)
    return db.session.scalars(query).first()


def get_or_404(model: type[M], ident: int, user: User, *options: ExecutableOption) -> M:
    """The live row, or 404 (unknown, out of scope) / :class:`AlreadyDeleted` (in the trash)."""
    row = find(model, ident, user, *options)
    if row is not None:
        return row
    trashed = find_trashed(model, ident, user)
    if trashed is not None:
        raise AlreadyDeleted(model.__name__, ident, trashed.deleted_by_op)
    raise NotFound()


def find_trashed(model: type[M], ident: int, user: User) -> M | None:
    """The row ``ident`` if it is in the trash and ``user`` could see it (scope evaluated
    with trashed parents included, so a project deleted with its items still scopes them)."""
    query = (
        scoped(model, user)
        .where(model.id == ident, model.deleted_at.is_not(None))
        .execution_options(include_deleted=True)
    )
    return db.session.scalars(query).first()


class AlreadyDeleted(Exception):
    """The row asked for is in the trash (deleted by someone, maybe someone else, before)."""

    def __init__(self, model: str, ident: int, op_id: int | None) -> None:
        super().__init__(f"{model} {ident} is already deleted")
        self.model = model
        self.ident = ident
        self.op_id = op_id
