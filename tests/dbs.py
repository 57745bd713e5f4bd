"""The servers the test suite runs on: SQLite always, PostgreSQL, MariaDB and Redis when
reachable.

Each pytest run gets a database of its own on each server (created at start, dropped at the
end), so that several runs on one machine never see each other's tables. With
``TOMBSTONE_REQUIRE_SERVERS=1`` (set by ``.ci/run``) an unreachable server fails the run
instead of skipping its suite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

SERVER_URLS = {
    "postgresql": os.environ.get(
        "TOMBSTONE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "TOMBSTONE_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
    ),
}
KINDS = ("sqlite", "postgresql", "mariadb")
REDIS_URL = os.environ.get("TOMBSTONE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def servers_required() -> bool:
    return os.environ.get("TOMBSTONE_REQUIRE_SERVERS", "") not in ("", "0")


def unavailable(kind: str, why: str) -> None:
    """Skip (or, where the servers are required, fail) a test needing ``kind``."""
    message = f"{kind} is not reachable: {why}"
    if servers_required():
        pytest.fail(message + " (TOMBSTONE_REQUIRE_SERVERS is set)", pytrace=False)
    pytest.skip(message)


@contextmanager
def scratch_database(kind: str, tmp_dir: Path) -> Iterator[str]:
    """Create a fresh database of ``kind`` and yield its URL; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / 'tombstone-test.sqlite'}"
        return
    base = make_url(SERVER_URLS[kind])
    name = f"tombstone_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:
        admin.dispose()
        unavailable(kind, type(exc).__name__)
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@contextmanager
def scratch_redis() -> Iterator[str]:
    """A key prefix of one's own on the Redis at ``REDIS_URL``: every key holding it is removed
    afterwards. Unreachable, Redis is skipped (or fails) as :func:`unavailable` says."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        unavailable("redis", type(error).__name__)
    prefix = f"tombstone-test-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        for name in client.scan_iter(match=f"*{prefix}*"):
            client.delete(name)
        client.close()


def make_engine(url: str, **kwargs: object) -> Engine:
    return create_engine(url, **kwargs)  # type: ignore[arg-type]
