"""Operations of the log as the API reaches them: the one a caller names (404 when they cannot
read it in the log, 403 when they may not act on it), and a page of them, represented."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from taskboard.access.operations import readable
from taskboard.extensions import db
from taskboard.models import Operation, User
from taskboard.operations.services import actor_names, undoable

from .auth import caller
from .deleting import represent_operation
from .paging import paged
from .problems import abort_problem


def load(op_id: int, allowed: Callable[[User], ColumnElement[bool]]) -> Operation:
    """Operation ``op_id`` if the caller reads it in the log and ``allowed`` lets them act.

    ``allowed`` is one of :mod:`taskboard.access.operations`' criteria (``restorable``,
    ``purgeable``): the same rules as the HTML trash.
    """
    user = caller()
    op = db.session.scalar(select(Operation).where(Operation.id == op_id, readable(user)))
    if op is None:
        abort_problem(404, "Not Found", f"No operation {op_id} here.")
    permitted = select(Operation.id).where(Operation.id == op_id, allowed(user))
    if db.session.scalar(permitted) is None:
        abort_problem(403, "Forbidden", "You may see this operation but not do that to it.")
    return op


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
