"""Small SQL builders shared by the executors: row sets, stamps, JSON rows, dialect quirks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    cast,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from .graph import Edge, Node

INTERNAL = {"tombstone_internal": True}
"""Execution options marking the engine's own statements, which the listeners leave alone."""


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def ids_in(node: Node, where: ColumnElement[bool]) -> Select[Any]:
    """``SELECT pk FROM node WHERE where``, wrapped in a derived table.

    MySQL and MariaDB refuse a subquery on the table a statement modifies; a derived table
    is materialised first, which every database accepts.
    """
    inner = select(node.pk.label("id")).where(where).subquery()
    return select(inner.c.id)


def stamped_by(node: Node, op_id: int) -> ColumnElement[bool]:
    return node.col("deleted_by_op") == op_id


def any_of(clauses: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    if not clauses:
        return false()
    return clauses[0] if len(clauses) == 1 else or_(*clauses)


def all_of(clauses: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return clauses[0] if len(clauses) == 1 else and_(*clauses)


def json_row(session: Session, table: Table, columns: Sequence[Any] | None = None) -> Any:
    """A SQL expression building one JSON object of a row's columns, in the database."""
    cols = list(columns if columns is not None else table.c)
    args: list[Any] = []
    for column in cols:
        args.extend((cast(literal(column.name), String), column))
    name = dialect_name(session)
    if name == "postgresql":
        return func.json_build_object(*args)
    return func.json_object(*args)


def row_pairs(
    node: Node,
    other: Node,
    alias: str,
    on: Callable[[Any], Any],
    *other_columns: str,
    from_: Any = None,
) -> tuple[Select[Any], Any]:
    """``SELECT`` rows of ``node`` (id, label) with the row of ``other`` each is joined to by
    ``on(other_alias)`` (id, label, and ``other_columns``), lowest ids first; with the alias,
    for criteria on it. Conflicts and blockers are listed this way: a row and what it meets."""
    row = other.table.alias(alias)
    query = (
        select(
            node.key,
            node.label_column,
            row.c[other.pk.name],
            row.c[other.label_column.name],
            *(row.c[name] for name in other_columns),
        )
        .join_from(node.table if from_ is None else from_, row, on(row))
        .order_by(node.key)
    )
    return query, row


def with_parent(edge: Edge, alias: str, *parent_columns: str) -> tuple[Select[Any], Any]:
    """:func:`row_pairs` of ``edge``'s child rows and the parent rows they point at."""
    assert edge.child is not None
    parent = edge.parent
    return row_pairs(
        edge.child,
        parent,
        alias,
        lambda row: edge.column == edge.parent_column(row),
        *parent_columns,
        from_=edge.child_from(),
    )


def link_edges(node: Node, members: Sequence[Node]) -> list[Edge]:
    """The CASCADE edges into ``node`` from nodes in ``members`` (its parents in a closure)."""
    from .policy import Rule

    return [edge for edge in node.parents if edge.rule is Rule.CASCADE and edge.parent in members]
