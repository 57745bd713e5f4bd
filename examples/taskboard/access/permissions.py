"""What a user may change or delete among the rows they can see.

Admins may do everything. Members: a project's owner manages the project, its items,
comments and tags; any member of a project edits its items and manages its tags; an item's
owner deletes the item and the comments on it; a comment's author edits and deletes the
comment.

:func:`deletable_rows` states the delete rules as SQL criteria for the engine, which checks
them set-based over every row an operation reaches (a cascade included): a member deleting
an item with someone else's comments on it is fine (they go with the item), a member bulk
deleting other people's items in a project they do not own is refused, row by row.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import g, has_request_context
from sqlalchemy import ColumnElement, exists, false, or_

from taskboard.models import Comment, Item, Project, Role, Tag, User, project_member

ROLES = "taskboard_roles"  # flask.g: {account id: role}, for this request


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
    # The item's owner too: deleting their item takes its comments, whoever wrote them.
    item = comment.item
    return may_edit_comment(user, comment) or user.id in (item.owner_id, item.project.owner_id)


def may_manage_tag(user: User, tag: Tag) -> bool:
    return True  # tags are the team's shared labels


def may_delete_user(user: User, target: User) -> bool:
    return user.is_admin or user.id == target.id


@lru_cache(maxsize=1024)
def _deletable(user_id: int, model: type) -> ColumnElement[bool] | None:
    """Built once per (account, model): SQL expressions are immutable and reusable, and the
    engine asks for them on every delete, once per model it reaches.

    Each criterion is an ``EXISTS`` correlated on the row's own keys, never an uncorrelated
    ``IN (SELECT ...)``: the engine checks it as ``NOT (criterion)`` over the rows an
    operation reaches, and a database answers ``NOT IN (subquery)`` by computing the whole
    subquery (every item of every project the user owns) where ``NOT EXISTS`` looks up the
    rows checked, by key."""
    if model is Project:
        return Project.owner_id == user_id
    if model is Item:
        return or_(Item.owner_id == user_id, _owns_project(user_id, Item.project_id))
    if model is Comment:
        on_theirs = exists().where(
            Item.id == Comment.item_id,
            or_(Item.owner_id == user_id, _owns_project(user_id, Item.project_id)),
        )
        return or_(Comment.author_id == user_id, on_theirs)
    if model is Tag:
        return _member_of(user_id, Tag.project_id)
    if model is User:
        return User.id == user_id
    return false()


def _owns_project(user_id: int, project_id: Any) -> ColumnElement[bool]:
    return exists().where(Project.id == project_id, Project.owner_id == user_id)


def _member_of(user_id: int, project_id: Any) -> ColumnElement[bool]:
    membership = exists().where(
        project_member.c.project_id == project_id, project_member.c.user_id == user_id
    )
    return or_(_owns_project(user_id, project_id), membership)


def deletable_rows(actor: Any, model: type) -> ColumnElement[bool] | None:
    """The engine's permission hook: the rows of ``model`` that ``actor`` may delete.

    ``actor`` is the :class:`User` the service passed (or Flask-Login's current user, for a
    ``session.delete`` at flush): its role is read from the object, no query. Its recorded
    form ``"user:<id>"`` is accepted too, with the role noted for this request (admin) or
    else a member's rules. Anything else is the application itself (the CLI, the demo
    loader): unrestricted.
    """
    principal = _principal(actor)
    if principal is None:
        return None
    user_id, role = principal
    if role == Role.ADMIN.value:
        return None
    return _deletable(user_id, model)


def actor_key(actor: Any) -> tuple[int, str] | None:
    """All of ``actor`` that Taskboard's criteria hooks read (:func:`deletable_rows`, the row
    scopes of :mod:`.rows`, the operation rules of :mod:`.operations`), for a :class:`User`:
    its id and role. Their criteria are then built once per user and role
    (``Access(actor_key=...)``, the engine's ``permission_key``). A recorded string's role
    comes from the request, so it is not held."""
    return (actor.id, actor.role) if isinstance(actor, User) else None


def _principal(actor: Any) -> tuple[int, str] | None:
    if isinstance(actor, User):
        return actor.id, actor.role
    if isinstance(actor, str) and actor.startswith("user:"):
        try:
            user_id = int(actor.removeprefix("user:"))
        except ValueError:
            return (0, Role.MEMBER.value)
        known = _known_roles() if has_request_context() else {}
        return (user_id, known.get(user_id, Role.MEMBER.value))
    return None


def remember_role(user: User) -> None:
    """Note the role of the request's authenticated ``user`` (just loaded), for a hook
    called with the recorded form of the actor."""
    if has_request_context():
        _known_roles()[user.id] = user.role


def _known_roles() -> dict[int, str]:
    roles: dict[int, str] = g.setdefault(ROLES, {})
    return roles
