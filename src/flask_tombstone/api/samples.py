"""What a deletion in the trash holds, named: the first few labels of its rows per model, so
a client can show "Write spec, and its comment" rather than "1 Item, 1 Comment"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_tombstone.core.records import Operation, OperationKind
from flask_tombstone.held import held_labels

from .state import api, session

SHOWN = 3  # labels per model and deletion


def trashed_samples(ops: Sequence[Operation], actor: Any) -> dict[int, dict[str, list[str]]]:
    """``{op id: {model: labels}}`` for the deletions among ``ops``
    (:func:`~flask_tombstone.held.held_labels`: the rows ``actor`` may see, one statement per
    model the page's deletions hold)."""
    found: dict[int, dict[str, list[str]]] = {op.id: {} for op in ops}  # {op: {model: labels}}
    held: dict[str, list[int]] = {}  # {model: deletions holding some}
    for op in ops:
        if op.kind != OperationKind.DELETE:
            continue
        for name, count in (op.counts or {}).items():
            if count:
                held.setdefault(name, []).append(op.id)
    labels = held_labels(session(), api(), actor, held, SHOWN)
    for (op_id, name), names in labels.items():
        found[op_id][name] = names
    return found
