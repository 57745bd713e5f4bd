"""Operations as JSON: what the deletion, trash and log endpoints answer with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for

from flask_tombstone.core.records import Operation, OperationKind


def moment(value: datetime | None) -> str | None:
    """A stored time (UTC, naive) as RFC 3339."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def retention() -> timedelta | None:
    """The app's retention period (``TOMBSTONE_RETENTION``, checked at start), if any."""
    retained: timedelta | None = current_app.extensions["tombstone"].retention
    return retained


def actor_names(ops: Iterable[Operation]) -> Mapping[str, str]:
    """The names of the operations' actors, by the API's ``actor_names`` hook (none: as
    recorded)."""
    from .state import api

    hook = api().actor_names
    recorded = sorted({op.actor for op in ops if op.actor})
    if hook is None or not recorded:
        return {}
    return hook(recorded)


def operation(
    op: Operation,
    *,
    undo: bool = False,
    settled: str | None = None,
    keep: timedelta | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``undo`` when the caller may restore it now; ``settled`` the kind that settled it;
    ``names`` the actors' names (:func:`actor_names`)."""
    if names is None:
        names = actor_names([op])
    deletion = op.kind == OperationKind.DELETE
    expires = op.created_at + keep if deletion and keep is not None and op.created_at else None
    return {
        "id": op.id,
        "kind": op.kind,
        "status": op.status,
        "root_model": op.root_model,
        "counts": {name: int(n) for name, n in (op.counts or {}).items()},
        "actor": names.get(op.actor, op.actor) if op.actor else op.actor,
        "reason": op.reason,
        "ref_op": op.ref_op,
        "created_at": moment(op.created_at),
        "finished_at": moment(op.finished_at),
        "expires_at": moment(expires) if deletion else None,
        "settled": settled,
        "undo": url_for("tombstone_api.restore", op_id=op.id) if deletion and undo else None,
    }
