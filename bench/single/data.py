"""Scratch databases of each kind, and the data: set-based ``INSERT ... SELECT`` over a series
of integers (PostgreSQL's ``generate_series``, MariaDB's sequence tables, SQLite's recursive
CTE), never through the ORM."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from flask_tombstone.core.records import install_tables

from .models import AUTHOR, OWNER, Base

URLS = {
    "postgresql": os.environ.get(
        "TOMBSTONE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "TOMBSTONE_BENCH_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
    ),
}
KINDS = ("sqlite", "postgresql", "mariadb")
PROJECTS = 10
COMMENTS_PER_ITEM = 5
DATA_TABLES = ("s_comment", "s_item", "s_project", "s_account")


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A fresh database of ``kind``, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tombstone-single-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    base = make_url(URLS[kind])
    name = f"tombstone_single_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if kind == "postgresql" else ""
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


def series(kind: str, n: int) -> str:
    """``SELECT g`` for ``g`` in ``1..n``, as a derived table named ``series``."""
    n = int(n)
    if kind == "postgresql":
        return f"(SELECT g FROM generate_series(1, {n}) AS s(g)) AS series"
    if kind == "mariadb":
        return f"(SELECT seq AS g FROM seq_1_to_{n}) AS series"
    return (
        f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) "
        "SELECT g FROM s) AS series"
    )


def load(engine: Engine, kind: str, comments: int) -> int:
    """Fresh tables with ``comments`` comments, five per item, items spread over ten projects
    of one owner; returns the number of items."""
    tables = [Base.metadata.tables[name] for name in DATA_TABLES]
    install_tables(Base.metadata)  # the engine's own tables, also before any Tombstone exists
    Base.metadata.drop_all(engine, tables=tables)
    Base.metadata.create_all(engine)
    items = comments // COMMENTS_PER_ITEM
    statements = [
        f"INSERT INTO s_account (id, name, role) VALUES ({OWNER.id}, 'owner', 'member'), "
        f"({AUTHOR}, 'author', 'member')",
        f"INSERT INTO s_project (id, name, owner_id) SELECT g, 'project', {OWNER.id} "
        f"FROM {series(kind, PROJECTS)}",
        f"INSERT INTO s_item (id, name, project_id, owner_id) SELECT g, 'item', "
        f"(g - 1) % {PROJECTS} + 1, {AUTHOR} FROM {series(kind, items)}",
        "INSERT INTO s_comment (id, body, item_id, author_id) SELECT g, 'a comment of a few "
        f"words', (g - 1) / {COMMENTS_PER_ITEM} + 1, {AUTHOR} FROM {series(kind, comments)}",
    ]
    if kind == "mariadb":  # integer division: (g - 1) / 5 is a decimal there
        statements[-1] = statements[-1].replace(" / ", " DIV ")
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    settle(engine, kind)
    return items


def settle(engine: Engine, kind: str) -> None:
    """Fresh statistics, dirty pages written out: no background work inside a timed run."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in DATA_TABLES:
            if kind == "postgresql":
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
            elif kind == "mariadb":
                conn.exec_driver_sql(f"ANALYZE TABLE {table}")
        if kind == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        if kind == "postgresql":
            conn.exec_driver_sql("CHECKPOINT")
