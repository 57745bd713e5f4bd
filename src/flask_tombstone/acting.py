"""Deleting, restoring and purging on an actor's behalf, as the views and the API do it: the
app's :meth:`Access.scope <flask_tombstone.access.Access.scope>` becomes the operation's
context, and :mod:`~flask_tombstone.signals` are sent before the caller commits. One place,
so that every surface records the same things."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from flask import current_app
from sqlalchemy import select

from flask_tombstone.access import Access, where_all
from flask_tombstone.core.errors import Conflict, RestoreConflict, RowRef
from flask_tombstone.core.purge import PurgeReport
from flask_tombstone.core.records import Operation

from . import signals


def delete(
    tombstone: Any,
    access: Access,
    target: Any,
    actor: Any,
    *,
    context: dict[str, Any] | None = None,
    **options: Any,
) -> Operation:
    """``tombstone.delete(target, ...)`` with the access's scope added to ``context``; sends
    :data:`~flask_tombstone.signals.deleted`."""
    context = {**(context or {}), **(access.scope(actor, target) or {})} or None
    op: Operation = tombstone.delete(target, actor=actor, context=context, **options)
    signals.deleted.send(_app(), operation=op, target=target, actor=actor)
    return op


def restore(
    tombstone: Any,
    access: Access,
    op_id: int,
    actor: Any,
    *,
    deletion: Operation | None = None,
    **options: Any,
) -> Operation:
    """``tombstone.restore(op_id, ...)`` with the deletion's scope as context; sends
    :data:`~flask_tombstone.signals.restored`. ``deletion``: operation ``op_id``, when the
    caller has it already."""
    if deletion is None or deletion.id != op_id:
        deletion = _deletion(tombstone, op_id)
    context = access.scope(actor, deletion) if deletion is not None else None
    with conflicts_seen_by(tombstone, access, actor):
        op: Operation = tombstone.restore(op_id, actor=actor, context=context, **options)
    signals.restored.send(_app(), operation=op, deletion=deletion, actor=actor)
    return op


def restore_with_parents(
    tombstone: Any, access: Access, op_id: int, actor: Any, **options: Any
) -> tuple[Operation, list[Operation]]:
    """Restore deletion ``op_id`` with the deletions that trashed the parents its rows need,
    when the actor may restore every one of them; otherwise as :func:`restore` alone (whose
    conflict then names those parents). Returns the restore and the parents' restores, and
    sends :data:`~flask_tombstone.signals.restored` for each, with its own deletion.

    Starts a new transaction when it falls back (the attempt is rolled back): call it before
    writing anything else in the request."""
    session = tombstone.session_for()
    deletion = _deletion(tombstone, op_id)
    context = access.scope(actor, deletion) if deletion is not None else None
    with conflicts_seen_by(tombstone, access, actor):
        restored: Operation = tombstone.restore(
            op_id, actor=actor, context=context, with_parents=True, **options
        )
    parents = restored.parent_restores
    asked = [int(p.ref_op) for p in parents if p.ref_op is not None]
    if len(may_restore(tombstone, access, actor, asked)) < len(parents):
        session.rollback()  # one of them is not theirs to restore: as if not asked
        return restore(tombstone, access, op_id, actor, **options), []
    for parent in parents:
        its_deletion = _deletion(tombstone, int(parent.ref_op or 0))
        signals.restored.send(_app(), operation=parent, deletion=its_deletion, actor=actor)
    signals.restored.send(_app(), operation=restored, deletion=deletion, actor=actor)
    return restored, parents


@contextmanager
def conflicts_seen_by(tombstone: Any, access: Access, actor: Any) -> Iterator[None]:
    """A restore's :class:`~flask_tombstone.core.Conflict` as ``actor`` may read it: a row in
    the way that they may not see (``Access.visible``) is named by its model only, and an
    operation outside their log (``Access.operations``) not at all — what they may not see is
    never told, not even that it exists in the trash."""
    try:
        yield
    except Conflict as error:
        if not error.conflicts:
            raise
        raise replace(error, conflicts=_as_seen(tombstone, access, actor, error)) from error


def _as_seen(tombstone: Any, access: Access, actor: Any, error: Conflict) -> list[RestoreConflict]:
    session = tombstone.session_for()
    named = {c.other_operation for c in error.conflicts if c.other_operation is not None}
    logged = (
        set(
            session.scalars(
                select(Operation.id).where(
                    Operation.id.in_(named), *where_all(access.operations(actor))
                )
            )
        )
        if named
        else set()
    )
    shown = []
    for conflict in error.conflicts:
        other = conflict.other
        if other is not None and not _sees(tombstone, access, actor, other):
            other = RowRef(model=other.model, id=None, label="")
        op = conflict.other_operation if conflict.other_operation in logged else None
        shown.append(replace(conflict, other=other, other_operation=op))
    return shown


def _sees(tombstone: Any, access: Access, actor: Any, row: RowRef) -> bool:
    node = tombstone.graph.node_named(row.model)
    rules = where_all(access.visible(actor, node.cls))
    if not rules:
        return True
    query = select(node.pk).where(node.pk == row.id, *rules)
    found = tombstone.session_for().execute(query.execution_options(include_deleted=True))
    return found.first() is not None


def may_restore(tombstone: Any, access: Access, actor: Any, op_ids: list[int]) -> set[int]:
    """Those of ``op_ids`` the actor sees (``Access.operations``) and may restore."""
    if not op_ids:
        return set()
    rules = where_all(access.operations(actor), access.restorable(actor))
    query = select(Operation.id).where(Operation.id.in_(op_ids), *rules)
    return set(tombstone.session_for().scalars(query))


def purge(tombstone: Any, access: Access, op_id: int, actor: Any, **options: Any) -> PurgeReport:
    """``tombstone.purge(op_id, ...)`` with the deletion's scope as context; sends
    :data:`~flask_tombstone.signals.purged`."""
    deletion = _deletion(tombstone, op_id)
    context = access.scope(actor, deletion) if deletion is not None else None
    report: PurgeReport = tombstone.purge(op_id, actor=actor, context=context, **options)
    signals.purged.send(_app(), report=report, deletion=deletion, actor=actor)
    return report


def _deletion(tombstone: Any, op_id: int) -> Operation | None:
    return tombstone.session_for().get(Operation, op_id)  # type: ignore[no-any-return]


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]
