"""Unique constraints that ignore the rows in the trash.

A trashed row keeps its values (restore must be exact), so a plain unique constraint would
stop anyone re-using a deleted user's e-mail. :func:`unique_live` declares the constraint over
live rows only: a partial unique index on PostgreSQL and SQLite; on MariaDB and MySQL, which
have no partial indexes, a unique index over a virtual column that is ``NULL`` for trashed
rows (``NULL`` never collides).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import DDL, Column, Index, Table, event, text

LIVE_UNIQUE = "tombstone_live_unique"
MYSQL = ("mysql", "mariadb")
PARTIAL = ("postgresql", "sqlite")


def unique_live(*columns: str, name: str | None = None) -> Index:
    """A unique index over ``columns`` that only live rows take part in.

    Use it in ``__table_args__`` of a soft-deletable model::

        __table_args__ = (unique_live("email"),)

    Restoring a row whose value a live row has taken meanwhile is refused with a conflict.

    .. versionadded:: 0.1
    """
    if not columns:
        raise ValueError("unique_live() needs at least one column")
    live = text("deleted_at IS NULL")
    index = Index(
        name or UNNAMED,
        *columns,
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
        info={LIVE_UNIQUE: True},
    )
    index.ddl_if(dialect=PARTIAL)  # type: ignore[arg-type]  # a tuple works; the stub says str
    event.listen(index, "after_parent_attach", _add_mysql_ddl)
    return index


UNNAMED = "uq_live"  # until the index joins its table, which names it (_add_mysql_ddl)
LONGEST_NAME = 63  # PostgreSQL's identifiers (MySQL's: 64)


def _named(index: Index, table: Table) -> None:
    """An index given no name is named after its table and columns,
    ``uq_live_user_account_email``: index names are one namespace per database (SQLite) or
    schema (PostgreSQL), so two models' ``unique_live("email")`` must not share one."""
    if index.name != UNNAMED:
        return
    names = "_".join(str(getattr(c, "key", c)) for c in index.expressions)
    index.name = _fitted(f"uq_live_{table.name}_{names}")  # type: ignore[assignment]


def _fitted(name: str, longest: int = LONGEST_NAME) -> str:
    """``name`` within the databases' identifier length: cut, with a digest of the whole
    keeping it distinct from other cut names."""
    if len(name) <= longest:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: longest - 9]}_{digest}"


def _add_mysql_ddl(index: Index, table: Table) -> None:
    """On MariaDB/MySQL: a virtual column per indexed column, NULL while trashed. Written when
    the table is created there (a column type is only compiled for that dialect then)."""
    _named(index, table)
    if table.info.get(f"{LIVE_UNIQUE}:{index.name}"):
        return
    table.info[f"{LIVE_UNIQUE}:{index.name}"] = True

    def create(target: Table, connection: Any, **kw: Any) -> None:
        if connection.dialect.name in MYSQL:
            connection.execute(DDL(_mysql_statement(index, target)))  # type: ignore[no-untyped-call]

    event.listen(table, "after_create", create)


def _mysql_statement(index: Index, table: Table) -> str:
    names = [str(getattr(c, "key", c)) for c in index.expressions]
    virtual = [_fitted(f"{index.name}_{n}") for n in names]
    add_columns = ", ".join(
        f"ADD COLUMN {v} {_sql_type(table, n)} AS (IF(deleted_at IS NULL, {n}, NULL)) VIRTUAL"
        for v, n in zip(virtual, names, strict=True)
    )
    return (
        f"ALTER TABLE {table.name} {add_columns}, "
        f"ADD UNIQUE INDEX {index.name} ({', '.join(virtual)})"
    )


def _sql_type(table: Table, name: str) -> str:
    from sqlalchemy.dialects import mysql

    column: Column[Any] = table.c[name]
    return str(column.type.compile(dialect=mysql.dialect()))


def live_unique_indexes(table: Table) -> list[list[Column[Any]]]:
    """The column lists of the live-unique indexes declared on ``table``."""
    found: list[list[Column[Any]]] = []
    for index in table.indexes:
        if index.info.get(LIVE_UNIQUE):
            found.append([table.c[str(getattr(c, "key", c))] for c in index.expressions])
    return found
