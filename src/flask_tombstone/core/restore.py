"""Restore: bring back exactly the rows one operation stamped, after checking they can live.

Two things can stop a row from coming back: a parent it needs (through a CASCADE or RESTRICT
link) is in the trash under another operation, or a live row now holds a value the row's
live-unique constraint needs. Both are found set-based, for the whole operation at once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, not_, or_, select, update
from sqlalchemy.orm import Session

from .errors import RestoreConflict, RowRef
from .execute import kept_as_they_are
from .graph import ModelGraph, Node
from .inspect_rows import label_text, row_ref
from .keys import json_key
from .operations import restored_or_purged
from .planner import TrashedRows
from .policy import Rule
from .prepared import remembered
from .sql import INTERNAL, row_pairs, with_parent
from .unique import live_unique_indexes

CONFLICT_CAP = 50


def restorable_nodes(graph: ModelGraph, counts: dict[str, int]) -> list[Node]:
    """The soft models an operation stamped rows in, parents first."""
    named = [graph.node_named(name) for name, n in counts.items() if n]
    ordered = graph.soft_closure(named)
    return [node for node in ordered if node in named]


def may_conflict(
    session: Session, graph: ModelGraph, nodes: list[Node], op_ids: list[int], wrap: bool
) -> bool:
    """Whether :func:`parent_conflicts` or :func:`unique_conflicts` can find anything: one
    statement of ``EXISTS`` for every link and live-unique index (built once per set of
    models for one operation), so that a restore nothing stands in the way of pays one
    round trip for all its checks, and the conflicts are listed only when there are some."""
    single = len(op_ids) == 1
    key = ("restore_probe", tuple(id(node) for node in nodes), wrap)
    statement = graph.memo.get(key) if single else None
    if statement is None:
        ids: Any = [bindparam("tombstone_op", type_=Integer())] if single else op_ids
        probes = conflict_probes(nodes, ids, wrap)
        if not probes:
            return False
        statement = select(*probes)
        if single:
            graph.memo[key] = statement
    params = {"tombstone_op": op_ids[0]} if single else {}
    return any(session.connection().execute(statement, params).one())


def unstamp_unless_conflicts(
    session: Session, graph: ModelGraph, nodes: list[Node], op_id: int, wrap: bool
) -> dict[str, int] | None:
    """SQLite and MariaDB: bring back the rows operation ``op_id`` stamped, model by model
    (parents first), the first model's ``UPDATE`` carrying in its ``WHERE`` whether the
    deletion was restored or purged (or is being purged) and :func:`conflict_probes`: a
    restore nothing stands in the way of pays no round trip for its checks. ``None`` when
    that first ``UPDATE`` brought nothing back — something stands in the way, or those rows
    are gone — and nothing changed: the caller then says why the general way. What the
    probes read cannot change before the commit once they have run (SQLite's write lock;
    InnoDB's shared locks on what a write's subqueries read, which read what is committed
    now, not the transaction's snapshot). Statements built once per set of models."""
    key = ("restore_gated", tuple(id(node) for node in nodes), wrap)
    statements = remembered(graph, key, lambda: _gated_unstamps(nodes, wrap))
    connection = session.connection()
    params = {"tombstone_op": op_id}
    counts: dict[str, int] = {}
    for number, (node, statement) in enumerate(zip(nodes, statements, strict=True)):
        counts[node.name] = int(connection.execute(statement, params).rowcount)
        if number == 0 and not counts[node.name]:
            return None
    return counts


def _gated_unstamps(nodes: list[Node], wrap: bool) -> list[Any]:
    op = bindparam("tombstone_op", type_=Integer())
    sets = TrashedRows([op], wrap=wrap)
    probes = [restored_or_purged(op), *conflict_probes(nodes, [op], wrap)]
    statements = []
    for number, node in enumerate(nodes):
        values = kept_as_they_are(node.table) | {"deleted_at": None, "deleted_by_op": None}
        where = sets.stamp(node)
        if number == 0:
            where = and_(where, not_(or_(*probes)))
        statements.append(update(node.table).where(where).values(values))
    return statements


def conflict_probes(nodes: list[Node], ids: list[Any], wrap: bool) -> list[Any]:
    """An ``EXISTS`` per link to a soft parent and per live-unique index of ``nodes``: true
    when some row the operations ``ids`` stamped could not come back (what
    :func:`parent_conflicts` and :func:`unique_conflicts` then list)."""
    sets = TrashedRows(ids, wrap=wrap)
    probes = []
    # Without the listing's ORDER BY: SQLite would scan the table in key order for it
    # instead of finding the stamped rows by their index.
    for node in nodes:
        for edge in _parent_edges(node):
            query, other = with_parent(edge, "parent_row")
            probes.append(
                exists(
                    query.order_by(None).where(
                        sets.stamp(node),
                        other.c.deleted_at.is_not(None),
                        other.c.deleted_by_op.not_in(ids),
                    )
                )
            )
        for columns in live_unique_indexes(node.table):
            query, live = row_pairs(node, node, "live_row", functools.partial(_same, columns))
            where = query.order_by(None).where(sets.stamp(node), live.c.deleted_at.is_(None))
            probes.append(exists(where))
    return probes


def _parent_edges(node: Node) -> list[Any]:
    return [
        edge
        for edge in node.parents
        if edge.rule in (Rule.CASCADE, Rule.RESTRICT) and edge.parent.soft
    ]


def parent_conflicts(
    session: Session, nodes: list[Node], op_ids: list[int], wrap: bool
) -> list[RestoreConflict]:
    """Rows whose CASCADE or RESTRICT parent is in the trash under an operation not restored."""
    sets = TrashedRows(op_ids, wrap=wrap)
    conflicts: list[RestoreConflict] = []
    for node in nodes:
        for edge in _parent_edges(node):
            parent = edge.parent
            query, other = with_parent(edge, "parent_row", "deleted_by_op")
            query = query.where(
                sets.stamp(node),
                other.c.deleted_at.is_not(None),
                other.c.deleted_by_op.not_in(op_ids),
            ).limit(CONFLICT_CAP)
            for row in session.execute(query, execution_options=INTERNAL):
                conflicts.append(
                    RestoreConflict(
                        reason="parent_in_trash",
                        row=row_ref(node, row),
                        other=RowRef(
                            parent.name, json_key(row[2]), label_text(parent, row[2], row[3])
                        ),
                        other_operation=int(row[4]) if row[4] is not None else None,
                        columns=(edge.column.name,),
                    )
                )
    return conflicts


def _same(columns: Sequence[Any], row: Any) -> Any:
    """``row`` holds the same values as the stamped row in ``columns``."""
    return and_(*(row.c[column.name] == column for column in columns))


def unique_conflicts(
    session: Session, nodes: list[Node], op_ids: list[int], wrap: bool
) -> list[RestoreConflict]:
    """Rows whose live-unique values are now held by a live row."""
    sets = TrashedRows(op_ids, wrap=wrap)
    conflicts: list[RestoreConflict] = []
    for node in nodes:
        for columns in live_unique_indexes(node.table):
            query, live = row_pairs(node, node, "live_row", functools.partial(_same, columns))
            query = query.where(sets.stamp(node), live.c.deleted_at.is_(None)).limit(CONFLICT_CAP)
            for row in session.execute(query, execution_options=INTERNAL):
                conflicts.append(
                    RestoreConflict(
                        reason="unique",
                        row=row_ref(node, row),
                        other=RowRef(node.name, json_key(row[2]), label_text(node, row[2], row[3])),
                        columns=tuple(c.name for c in columns),
                    )
                )
    return conflicts


def parent_operations(conflicts: list[RestoreConflict]) -> set[int]:
    return {c.other_operation for c in conflicts if c.other_operation is not None}


def describe(conflict: RestoreConflict) -> str:
    """A sentence for people: the CLI's wording (an application may word its own, as
    Taskboard does with its users' nouns)."""
    row = f"{conflict.row.model} {conflict.row.label!r}"
    if conflict.reason == "parent_in_trash" and conflict.other is not None:
        return (
            f"{row} belongs to {conflict.other.model} {conflict.other.label!r}, which is in "
            f"the trash (operation {conflict.other_operation}): restore that first, or both "
            f"together"
        )
    if conflict.reason == "unique" and conflict.other is not None:
        cols = ", ".join(conflict.columns)
        return f"{row}: its {cols} is now used by {conflict.other.model} {conflict.other.label!r}"
    return row
