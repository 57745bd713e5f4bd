"""Snapshots of hard-deleted rows: written in the database, in chunks; read back as dicts.

A journal entry of kind ``snapshot`` holds up to :data:`CHUNK_ROWS` rows of one table in a
columnar JSON object, ``{"columns": [names], "rows": [[values], ...]}``, built by the database
itself (``json_agg`` / ``json_group_array``). One entry per row cost PostgreSQL a journal row,
two index entries and a TOAST check per deleted row; a chunk costs that once per thousand.
On MariaDB each entry holds one row: its ``JSON_ARRAYAGG`` is cut at ``group_concat_max_len``
without an error, which a snapshot must never be.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, Table, func, insert, literal, null, select
from sqlalchemy.orm import Session

from .records import JournalEntry, JournalKind
from .sql import INTERNAL, dialect_name

JOURNAL: Table = JournalEntry.__table__  # type: ignore[assignment]
CHUNK_ROWS = 1000
"""The most rows one snapshot entry holds."""


def write_snapshots(session: Session, op_id: int, table: Table, where: Any) -> None:
    """Journal the rows of ``table`` matching ``where`` (before they are deleted)."""
    dialect = dialect_name(session)
    names = [column.name for column in table.c]
    row = _json_array(dialect, *table.c)
    header = _json_array(dialect, *(literal(name) for name in names))
    (pk,) = table.primary_key.columns
    if dialect in ("mysql", "mariadb"):
        first_id = pk if isinstance(pk.type, Integer) else null().cast(Integer)
        source = select(first_id, _json_object(dialect, header, func.json_array(row))).where(where)
    else:
        source = _chunked(dialect, table, pk, row, header, where)
    values = select(
        literal(op_id), literal(JournalKind.SNAPSHOT), literal(table.name), *source.subquery().c
    )
    statement = insert(JOURNAL).from_select(
        ["op_id", "kind", "table_name", "row_id", "data"], values
    )
    session.execute(statement, execution_options=INTERNAL)


def _chunked(dialect: str, table: Table, pk: Any, row: Any, header: Any, where: Any) -> Any:
    """One ``(first id, {"columns", "rows"})`` per :data:`CHUNK_ROWS` rows: integer keys
    chunk by value, others by their rank."""
    if isinstance(pk.type, Integer):
        rank, ids = pk, pk
    else:
        rank, ids = func.row_number().over(order_by=pk) - 1, null().cast(Integer)
    inner = (
        select(ids.label("id"), row.label("row"), (rank // CHUNK_ROWS).label("bucket"))
        .where(where)
        .subquery()
    )
    if dialect == "postgresql":
        rows = func.json_agg(inner.c.row)
    else:
        # SQLite's JSON subtype does not survive the subquery: json() restores it, so the
        # rows are aggregated as arrays, not as strings.
        rows = func.json_group_array(func.json(inner.c.row))
    data = _json_object(dialect, header, rows)
    return select(func.min(inner.c.id), data).group_by(inner.c.bucket)


def _json_array(dialect: str, *values: Any) -> Any:
    return func.json_build_array(*values) if dialect == "postgresql" else func.json_array(*values)


def _json_object(dialect: str, header: Any, rows: Any) -> Any:
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    return build(literal("columns"), header, literal("rows"), rows)


def read_snapshots(session: Session, op_id: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(table name, row)`` for every row operation ``op_id`` snapshotted, in journal order."""
    entries = session.execute(
        select(JOURNAL.c.table_name, JOURNAL.c.data)
        .where(JOURNAL.c.op_id == op_id, JOURNAL.c.kind == JournalKind.SNAPSHOT)
        .order_by(JOURNAL.c.id),
        execution_options=INTERNAL,
    )
    for table_name, data in entries:
        columns = data["columns"]
        for values in data["rows"]:
            yield table_name, dict(zip(columns, values, strict=True))
