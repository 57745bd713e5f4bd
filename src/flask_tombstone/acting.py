"""Deleting, restoring and purging on an actor's behalf, as the views and the API do it: the
app's :meth:`Access.scope <flask_tombstone.access.Access.scope>` becomes the operation's
context, and :mod:`~flask_tombstone.signals` are sent before the caller commits. One place,
so that every surface records the same things."""

from __future__ import annotations

from typing import Any

from flask import current_app

from flask_tombstone.access import Access
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


def restore(tombstone: Any, access: Access, op_id: int, actor: Any, **options: Any) -> Operation:
    """``tombstone.restore(op_id, ...)`` with the deletion's scope as context; sends
    :data:`~flask_tombstone.signals.restored`."""
    deletion = _deletion(tombstone, op_id)
    context = access.scope(actor, deletion) if deletion is not None else None
    op: Operation = tombstone.restore(op_id, actor=actor, context=context, **options)
    signals.restored.send(_app(), operation=op, deletion=deletion, actor=actor)
    return op


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
