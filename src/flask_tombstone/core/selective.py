"""A criterion the planner should take as selective: the rows one operation stamped.

SQLite's planner reads ``sqlite_stat1``, and an ``ANALYZE`` taken while ``deleted_by_op``
was NULL in every row (a table with nothing deleted yet, or ``PRAGMA optimize``) says that
``deleted_by_op = ?`` matches the whole table: a join from the stamped rows (a restore's
conflict probes) then scans the table instead of using the column's index, at a cost that
grows with the table. ``likelihood(criterion, 0.0001)`` tells it otherwise; the other
databases keep statistics of NULLs and get the criterion as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

LIKELY = 0.0001


class Selective(ColumnElement[bool]):
    """``criterion``, marked as true of few rows."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a predicate: never rendered as "... = 1"
    _traverse_internals = [("criterion", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, criterion: ColumnElement[bool]) -> None:
        self.criterion = criterion


@compiles(Selective)
def _plain(element: Selective, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.criterion, **kw))


@compiles(Selective, "sqlite")
def _sqlite(element: Selective, compiler: Any, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.criterion, **kw)}, {LIKELY})"
