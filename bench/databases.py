"""The databases under test: a scratch database per kind, and a :class:`Bench` around it
holding the engine, the sessions and a statement counter."""

from __future__ import annotations

import gc
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from flask_tombstone.core import Tombstone

from .models import Base, PlainBase

T = TypeVar("T")

POSTGRES_URL = os.environ.get(
    "TOMBSTONE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
KINDS = ("sqlite", "postgresql")
JOURNAL_TABLE = "tombstone_journal"
ENGINE_TABLES = (JOURNAL_TABLE, "tombstone_operation")


@contextmanager
def scratch_database(kind: str, postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """A fresh database of ``kind`` (a file in a temporary directory for SQLite, a
    ``tombstone_bench_<random>`` database on the server for PostgreSQL), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tombstone-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    base = make_url(postgres_url)
    name = f"tombstone_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@dataclass
class Sample:
    """One timed run: wall-clock seconds, statements sent, and what was wrong with the
    result (``None`` when the rows ended up exactly as they should)."""

    seconds: float
    statements: int
    error: str | None = None


class Bench:
    """One database under test: the engine, a plain session factory for the tutorial loop,
    and a counter of the statements the DBAPI cursor executes."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        self.engine: Engine = create_engine(url)
        self.statements = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        self.Session = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.tombstone = Tombstone(Base, session=self.Session)
        self.tombstone.configure()
        # Never attached to the engine: the tutorial's loop runs on plain SQLAlchemy.
        self.PlainSession = sessionmaker(bind=self.engine)

    def _count(self, *_: Any) -> None:
        self.statements += 1

    def close(self) -> None:
        self.engine.dispose()

    def server_version(self) -> str:
        with self.engine.connect() as conn:
            if self.kind == "sqlite":
                return f"SQLite {conn.exec_driver_sql('SELECT sqlite_version()').scalar()}"
            return f"PostgreSQL {conn.exec_driver_sql('SHOW server_version').scalar()}"

    # -- data ----------------------------------------------------------------------------
    def reset(self) -> None:
        """The data tables dropped and created empty (SQLite's file compacted too). The
        engine's own tables are kept, as they are in a running application: the operations
        table keeps its rows (one per trial: recreating or truncating it would make each
        trial's one-row INSERT pay for a cold, empty relation, as no running application
        does), the journal is emptied (it holds up to a million rows' snapshots; the copy
        floor's archive table starts empty too)."""
        data = [t for t in Base.metadata.sorted_tables if t.name not in ENGINE_TABLES]
        data += PlainBase.metadata.sorted_tables
        Base.metadata.drop_all(self.engine, tables=data)
        Base.metadata.create_all(self.engine)  # the engine's tables, the first time
        with self.engine.begin() as conn:
            if self.kind == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {JOURNAL_TABLE}")
            else:
                conn.exec_driver_sql(f"DELETE FROM {JOURNAL_TABLE}")
        if self.kind == "sqlite":
            self.maintenance("VACUUM")
        Base.metadata.create_all(self.engine, tables=data)

    def settle(self, *tables: str) -> None:
        """Bring the database to a quiet state before a timed run: fresh statistics and
        hint bits on the given tables, dirty pages written out."""
        if self.kind == "postgresql":
            for table in tables:
                self.maintenance(f"VACUUM (ANALYZE) {table}")
            self.maintenance("CHECKPOINT")
        elif tables:
            self.maintenance("ANALYZE")
        os.sync()

    def maintenance(self, sql: str) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(sql)

    def scalar(self, sql: str, **params: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar_one())

    # -- timing --------------------------------------------------------------------------
    def clock(self, action: Callable[[], T]) -> tuple[Sample, T]:
        """Time ``action`` and count the statements it sends."""
        gc.collect()
        self.statements = 0
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        return Sample(seconds, self.statements), result

    def session(self) -> Session:
        """A session of the engine's factory with its connection already checked out, so
        that the pool is not part of what is timed."""
        session = self.Session()
        session.connection()
        return session
