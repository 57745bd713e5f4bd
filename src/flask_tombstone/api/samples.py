"""What a deletion in the trash holds, named: the first few labels of its rows per model, so
a client can show "Write spec, and its comment" rather than "1 Item, 1 Comment"."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from flask_tombstone.core.records import Operation, OperationKind

from .state import api, session

SHOWN = 3  # labels per model and deletion


def trashed_samples(ops: Sequence[Operation]) -> dict[int, dict[str, list[str]]]:
    """``{op id: {model: labels}}`` for the deletions among ``ops``: one statement per model
    the page's deletions hold (not per deletion, not per row). Models whose rows have no label
    but their key, or that are not kept in the trash, are left out."""
    found: dict[int, dict[str, list[str]]] = {op.id: {} for op in ops}  # {op: {model: labels}}
    held: dict[str, list[int]] = {}  # {model: deletions holding some}
    for op in ops:
        if op.kind != OperationKind.DELETE:
            continue
        for name, count in (op.counts or {}).items():
            if count:
                held.setdefault(name, []).append(op.id)
    nodes = api().tombstone.graph.nodes_by_name()
    for name in sorted(held):
        node = nodes.get(name)
        if node is None or not node.soft or node.label_column is node.pk:
            continue
        if node.label_column.table is not node.table:  # a joined-inheritance table's
            continue
        stamp = node.col("deleted_by_op")
        rank = func.row_number().over(partition_by=stamp, order_by=node.pk).label("rank")
        ranked = (
            select(stamp.label("op"), node.label_column.label("label"), rank)
            .where(stamp.in_(held[name]))
            .subquery()
        )
        query = (
            select(ranked.c.op, ranked.c.label)
            .where(ranked.c.rank <= SHOWN)
            .order_by(ranked.c.op, ranked.c.rank)
            .execution_options(include_deleted=True)
        )
        for op_id, label in session().execute(query):
            found[int(op_id)].setdefault(name, []).append(str(label))
    return found
