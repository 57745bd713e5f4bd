"""Where ``Idempotency-Key`` claims and answers live, shared by every worker of the app: the
database (the default, a table beside the engine's) or Redis.

A store does four things with one caller's key: :meth:`~IdempotencyStore.claim` it for a
request (false when it is held already), :meth:`~IdempotencyStore.replay` what it holds,
:meth:`~IdempotencyStore.settle` it with the answer, :meth:`~IdempotencyStore.release` it (the
request did not happen: a retry may run it). Answers are kept ``TOMBSTONE_API_IDEMPOTENCY_TTL``;
a claim never settled (its worker died) holds the key for
``TOMBSTONE_API_IDEMPOTENCY_RUNNING_TIMEOUT``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from flask_tombstone.core.records import utcnow

TABLE = "tombstone_idempotency"


@dataclass(frozen=True)
class Stored:
    """What a key holds: the request's fingerprint, and its answer once there is one; while
    the request runs, how long its claim still holds the key (seconds)."""

    fingerprint: str
    status: int | None = None  # None while the request runs
    body: str | None = None
    media_type: str | None = None
    holds_for: float | None = None

    def kept(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "status": self.status,
            "body": self.body,
            "media_type": self.media_type,
        }


class IdempotencyStore(Protocol):
    """What an ``Idempotency-Key`` store does; ``scope`` is the caller (their recorded id)."""

    def claim(self, scope: str, key: str, fingerprint: str) -> bool: ...

    def replay(self, scope: str, key: str) -> Stored | None: ...

    def settle(self, scope: str, key: str, answer: Stored) -> None: ...

    def release(self, scope: str, key: str) -> None: ...


@dataclass(frozen=True)
class Lifetimes:
    answer: timedelta  # how long an answer is replayed
    running: timedelta  # how long an unsettled claim holds its key


def digest(key: str) -> str:
    """Keys are kept hashed: any characters, one length, nothing a client chose in the clear."""
    return hashlib.sha256(key.encode()).hexdigest()


def idempotency_table(metadata: MetaData) -> Table:
    """The database store's table, added to the app's metadata (``create_all``, Alembic)."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(
        TABLE,
        metadata,
        Column("scope", String(255), primary_key=True),
        Column("key_hash", String(64), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status", Integer, nullable=True),
        Column("media_type", String(100), nullable=True),
        Column("body", Text, nullable=True),
        Column("created_at", DateTime(), nullable=False),
    )


@dataclass(frozen=True)
class DatabaseStore:
    """Rows of ``tombstone_idempotency``, one per caller and key, written on a connection of
    their own: the claim is committed before the work starts (so a concurrent retry on any
    worker sees it), whatever the request's session holds. Each claim also clears the caller's
    expired rows, so the table stays as small as the keys in use."""

    engine: Engine
    table: Table
    lifetimes: Lifetimes

    def claim(self, scope: str, key: str, fingerprint: str) -> bool:
        now = utcnow()
        t = self.table
        expired = or_(
            t.c.created_at < now - self.lifetimes.answer,
            and_(t.c.status.is_(None), t.c.created_at < now - self.lifetimes.running),
        )
        try:
            with self.engine.begin() as connection:
                connection.execute(delete(t).where(t.c.scope == scope, expired))
                connection.execute(
                    insert(t).values(
                        scope=scope, key_hash=digest(key), fingerprint=fingerprint, created_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    def replay(self, scope: str, key: str) -> Stored | None:
        t = self.table
        with self.engine.connect() as connection:
            row = connection.execute(select(t).where(*self._one(scope, key))).first()
        if row is None:
            return None
        holds_for = None
        if row.status is None:
            holds_for = (row.created_at + self.lifetimes.running - utcnow()).total_seconds()
        return Stored(row.fingerprint, row.status, row.body, row.media_type, holds_for)

    def settle(self, scope: str, key: str, answer: Stored) -> None:
        values = {"status": answer.status, "body": answer.body, "media_type": answer.media_type}
        with self.engine.begin() as connection:
            connection.execute(update(self.table).where(*self._one(scope, key)).values(values))

    def release(self, scope: str, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(self.table).where(*self._one(scope, key)))

    def _one(self, scope: str, key: str) -> tuple[Any, Any]:
        return self.table.c.scope == scope, self.table.c.key_hash == digest(key)


@dataclass(frozen=True)
class RedisStore:
    """One Redis string per caller and key, JSON: the claim is ``SET NX`` expiring after the
    running timeout; the answer replaces it (``SET XX``) and expires after the answer's
    lifetime."""

    client: Any  # redis.Redis
    prefix: str
    lifetimes: Lifetimes

    def claim(self, scope: str, key: str, fingerprint: str) -> bool:
        value = json.dumps(Stored(fingerprint).kept())
        return bool(
            self.client.set(self._name(scope, key), value, nx=True, px=self.lifetimes.running)
        )

    def replay(self, scope: str, key: str) -> Stored | None:
        pipeline = self.client.pipeline()
        pipeline.get(self._name(scope, key))
        pipeline.pttl(self._name(scope, key))
        value, expires_in = pipeline.execute()
        if value is None:
            return None
        stored = Stored(**json.loads(value))
        if stored.status is None and expires_in >= 0:
            stored = Stored(stored.fingerprint, holds_for=expires_in / 1000)
        return stored

    def settle(self, scope: str, key: str, answer: Stored) -> None:
        # XX: a claim that expired while its request ran stays gone (a retry runs it again,
        # as after a crash) rather than landing over someone else's newer claim.
        value = json.dumps(answer.kept())
        self.client.set(self._name(scope, key), value, xx=True, px=self.lifetimes.answer)

    def release(self, scope: str, key: str) -> None:
        self.client.delete(self._name(scope, key))

    def _name(self, scope: str, key: str) -> str:
        return f"{self.prefix}:{digest(scope)[:16]}:{digest(key)}"


def store_from_config(
    value: Any, *, engine: Engine, table: Table, lifetimes: Lifetimes, prefix: str
) -> Any:
    """``TOMBSTONE_API_IDEMPOTENCY_STORE``: empty for the database, a ``redis://`` URL, or a
    store object of the app's own."""
    if not value:
        return DatabaseStore(engine, table, lifetimes)
    if isinstance(value, str):
        if value.startswith(("redis://", "rediss://", "unix://")):
            import redis

            return RedisStore(redis.Redis.from_url(value), prefix, lifetimes)
        raise ValueError(
            f"TOMBSTONE_API_IDEMPOTENCY_STORE: {value!r} is neither empty nor redis://"
        )
    return value
