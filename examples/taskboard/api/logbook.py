"""Operations of the log as the API reaches them: the one a caller names (404 when they cannot
read it in the log, 403 when they may not act on it), and a page of them, represented."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select

from taskboard.deletion.errors import Refused
from taskboard.models import Operation
from taskboard.operations.services import actor_names, undoable
from taskboard.trash.services import reachable

from .auth import caller
from .deleting import represent_operation
from .paging import paged
from .refusals import abort_refused


def load(op_id: int, *, purge: bool = False) -> Operation:
    """Operation ``op_id`` if the caller may restore it (``purge``: purge it): ``404`` when
    they cannot read it in the log, ``403`` when they may not act on it. The HTML trash's
    rule (:func:`taskboard.trash.services.reachable`)."""
    try:
        return reachable(op_id, caller(), purge=purge)
    except Refused as refused:
        abort_refused(refused)


def represent_all(operations: Sequence[Operation]) -> list[dict[str, Any]]:
    """``operations`` as the log shows them: who ran each (by username), why, on what."""
    names = actor_names(operations)
    return [
        represent_operation(op)
        | {
            "actor": names[op.actor] if op.actor else None,
            "reason": op.reason,
            "ref_op": op.ref_op,
            "finished_at": op.finished_at,
        }
        for op in operations
    ]


def page(query: Select[Any], args: dict[str, Any]) -> dict[str, Any]:
    """One page of ``query``'s operations, represented; ``undo`` only on the deletions the
    caller may still undo (in the trash, and theirs to restore)."""
    found = paged(query, args)
    undo = undoable(caller(), [op.id for op in found["items"]])
    items = [
        entry if entry["id"] in undo else entry | {"undo": None}
        for entry in represent_all(found["items"])
    ]
    return found | {"items": items}
