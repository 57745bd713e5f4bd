"""How the journal stores snapshots on PostgreSQL: compressed with lz4.

A snapshot chunk is a thousand rows of JSON, stored out of line (TOAST) and compressed.
PostgreSQL's default compression, pglz, costs more CPU than writing the rows' copy itself:
with it a snapshot took 1.25x a hand-written ``INSERT INTO archive SELECT ...``; with lz4
(PostgreSQL 14 and later, when the server is built with it), 1.0x (``make bench``, 10k rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

JOURNAL_TABLE = "tombstone_journal"


def lz4_available(connection: Connection) -> bool:
    """Whether the PostgreSQL server behind ``connection`` can compress with lz4."""
    if connection.dialect.name != "postgresql":
        return False
    version = connection.dialect.server_version_info or (0,)
    if version < (14,):
        return False
    found = connection.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return bool(found)


def compress_journal(connection: Connection, table: str = JOURNAL_TABLE) -> bool:
    """Have the journal's ``data`` compressed with lz4 where the server can (PostgreSQL 14+
    built with lz4); elsewhere nothing changes. Returns whether it was set.

    Runs by itself when ``create_all`` creates the journal; call it from a migration
    (``compress_journal(op.get_bind())``) when Alembic creates it.
    """
    if not lz4_available(connection):
        return False
    quoted = connection.dialect.identifier_preparer.quote(table)
    connection.exec_driver_sql(f"ALTER TABLE {quoted} ALTER COLUMN data SET COMPRESSION lz4")
    return True


def on_create(target: Any, connection: Connection, **_: Any) -> None:
    """``after_create`` listener of the journal table."""
    compress_journal(connection, target.name)
