"""Taskboard's rules as configuration of Flask-Tombstone's :class:`~flask_tombstone.access.Access`
hooks, used by the deletion views, the deletion API and the engine alike:

- who is acting: the logged-in user on pages, the bearer token's user on the API;
- what they see: :mod:`.rows` (their projects' rows; 404 outside);
- what they delete: :mod:`.permissions` (checked by the engine over every row reached);
- which operations they read, restore and purge: :mod:`.operations`;
- how an operation is scoped: the projects it touches, recorded in its context and indexed
  in ``operation_project`` (:func:`index_operations`) in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import ColumnElement, false, select

from flask_tombstone import Operation, PurgeReport, signals
from flask_tombstone.access import Access, login_user
from taskboard.extensions import db
from taskboard.models import User
from taskboard.operations.scope import projects_touched, record_scope, scope_of

from . import operations, permissions, rows

PROJECTS = "project_ids"  # the operation's context key
INDEXED = "taskboard.operation_index"  # app.extensions: the receivers are connected


def actor() -> User | None:
    """The API's token user (set by its authentication), else the logged-in user."""
    api_user: User | None = g.get("api_user")
    return api_user if api_user is not None else login_user()


def visible(user: User, model: type) -> ColumnElement[bool]:
    return rows.scope(model, user) if model in rows.SCOPES else false()


def scope(user: User | None, target: Any) -> dict[str, Any]:
    """The projects an operation touches: from the deletion for a restore or a purge, else
    from what is deleted (read before the deletion)."""
    if isinstance(target, Operation):
        return {PROJECTS: deletion_scope(target)}
    return {PROJECTS: projects_touched(target)}


def deletion_scope(deletion: Operation) -> list[int]:
    """The projects a deletion touched: as it recorded them in its context (what its index
    rows were written from, in its transaction), else from the index."""
    recorded = (deletion.context or {}).get(PROJECTS)
    if isinstance(recorded, list) and all(isinstance(p, int) for p in recorded):
        return sorted(recorded)
    return scope_of(deletion.id)


def actor_names(recorded: list[str]) -> dict[str, str]:
    """``{"user:3": "ann"}``: operations are recorded by account id, shown by username
    (deleted accounts included)."""
    ids = {int(a[5:]) for a in recorded if a.startswith("user:") and a[5:].isdigit()}
    if not ids:
        return {}
    acting = actor() if has_request_context() else None
    if acting is not None and ids == {acting.id}:  # the caller's own operation: no query
        return {acting.tombstone_actor: acting.username}
    query = (
        select(User.id, User.username)
        .where(User.id.in_(ids))
        .execution_options(include_deleted=True)
    )
    return {f"user:{i}": name for i, name in db.session.execute(query)}


def actors_named(name: str) -> list[str]:
    """``["user:3", "user:9"]``: the accounts a username means (any case), deleted ones
    included — the log shows each by its name, and a deleted account's name may be taken
    again by another."""
    if "\x00" in name:  # no username holds it (and PostgreSQL refuses it in text)
        return []
    query = (
        select(User.id)
        .where(User.username == name.strip().lower()[:80])
        .execution_options(include_deleted=True)
    )
    return [f"user:{account}" for account in db.session.scalars(query)]


ACCESS = Access(
    actor=actor,
    login_required=True,
    visible=visible,
    deletable=permissions.deletable_rows,
    actor_key=permissions.actor_key,
    operations=operations.readable,
    restorable=operations.restorable,
    purgeable=operations.purgeable,
    scope=scope,
    # Deleting permanently, skipping the trash (the confirmation page's ?hard=1): admins.
    permanent=lambda user: user is not None and user.is_admin,
)


def index_operations(app: Flask) -> None:
    """Index every operation the extension runs under the projects it touched, and end the
    logins of accounts it put in the trash, inside the operation's transaction. Once per
    app: the views and the API both ask for it."""
    from taskboard.auth.services import close_deleted_accounts

    if app.extensions.get(INDEXED):
        return
    app.extensions[INDEXED] = True

    def projects(op: Operation) -> list[int]:
        return [int(p) for p in (op.context or {}).get(PROJECTS, [])]

    def deleted(sender: Flask, operation: Operation, **extra: Any) -> None:
        record_scope(operation.id, projects(operation))
        if operation.counts.get("User"):
            close_deleted_accounts(operation.id)

    def restored(
        sender: Flask, operation: Operation, deletion: Operation | None, **extra: Any
    ) -> None:
        # A restore is scoped as its deletion was (a parent's restore, brought along, as
        # the parent's deletion, not as the one asked for).
        scope = deletion_scope(deletion) if deletion is not None else projects(operation)
        record_scope(operation.id, scope)

    def purged(sender: Flask, report: PurgeReport, deletion: Operation, **extra: Any) -> None:
        for done in report.operations:
            if done.purge_op_id is not None:
                record_scope(done.purge_op_id, projects(deletion))

    signals.deleted.connect(deleted, app, weak=False)
    signals.restored.connect(restored, app, weak=False)
    signals.purged.connect(purged, app, weak=False)
