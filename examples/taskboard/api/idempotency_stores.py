"""Where ``Idempotency-Key`` claims and answers are kept: the database (the default) or Redis.

A store does four things, for one user's key: :meth:`~Store.claim` it for a request (false when
someone holds it already), :meth:`~Store.replay` what is kept under it, :meth:`~Store.settle`
it with the request's answer, or :meth:`~Store.release` it (the request did not happen, so a
retry may run it). Answers are kept ``TASKBOARD_IDEMPOTENCY_TTL``; a claim never settled (its
worker died) blocks the key for ``TASKBOARD_IDEMPOTENCY_RUNNING_TIMEOUT``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import redis
from flask import Flask, current_app
from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError

from flask_tombstone.cli import parse_duration
from taskboard.extensions import db
from taskboard.models import IdempotentRequest
from taskboard.models.base import utcnow


@dataclass(frozen=True)
class Stored:
    """What a key holds: the request's fingerprint, and its answer once there is one; read
    while the request runs, how long its claim still holds the key (not stored: known from
    the claim's age or expiry)."""

    fingerprint: str
    status: int | None = None  # None while the request runs
    body: str | None = None
    holds_for: float | None = None  # seconds, while the request runs

    def kept(self) -> dict[str, Any]:
        """What a store keeps of it."""
        return {"fingerprint": self.fingerprint, "status": self.status, "body": self.body}


class Store(Protocol):
    def claim(self, user_id: int, key: str, fingerprint: str) -> bool: ...

    def replay(self, user_id: int, key: str) -> Stored | None: ...

    def settle(self, user_id: int, key: str, answer: Stored) -> None: ...

    def release(self, user_id: int, key: str) -> None: ...


@dataclass(frozen=True)
class Lifetimes:
    answer: timedelta  # how long an answer is replayed
    running: timedelta  # how long an unsettled claim holds its key

    @classmethod
    def of(cls, app: Flask) -> Lifetimes:
        return cls(
            parse_duration(str(app.config["TASKBOARD_IDEMPOTENCY_TTL"])),
            parse_duration(str(app.config["TASKBOARD_IDEMPOTENCY_RUNNING_TIMEOUT"])),
        )


@dataclass(frozen=True)
class DatabaseStore:
    """Rows of ``idempotent_request``, unique per user and key. The claim is committed before
    the work starts, so a concurrent retry sees it; each claim also clears the user's expired
    rows (the table stays as small as the keys in use)."""

    lifetimes: Lifetimes

    def claim(self, user_id: int, key: str, fingerprint: str) -> bool:
        now = utcnow()
        db.session.execute(
            delete(IdempotentRequest).where(
                IdempotentRequest.user_id == user_id,
                or_(
                    IdempotentRequest.created_at < now - self.lifetimes.answer,
                    and_(
                        IdempotentRequest.status.is_(None),
                        IdempotentRequest.created_at < now - self.lifetimes.running,
                    ),
                ),
            )
        )
        db.session.add(IdempotentRequest(user_id=user_id, key=key, fingerprint=fingerprint))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        return True

    def replay(self, user_id: int, key: str) -> Stored | None:
        row = db.session.scalars(self._row(user_id, key)).one_or_none()
        if row is None:
            return None
        holds_for = None
        if row.status is None:
            ends = row.created_at + self.lifetimes.running
            holds_for = (ends - utcnow()).total_seconds()
        return Stored(row.fingerprint, row.status, row.body, holds_for)

    def settle(self, user_id: int, key: str, answer: Stored) -> None:
        db.session.rollback()  # whatever the work left unfinished is not ours to commit
        row = db.session.scalars(self._row(user_id, key)).one_or_none()
        if row is not None:
            row.status, row.body = answer.status, answer.body
        db.session.commit()

    def release(self, user_id: int, key: str) -> None:
        db.session.rollback()
        db.session.execute(
            delete(IdempotentRequest).where(
                IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
            )
        )
        db.session.commit()

    @staticmethod
    def _row(user_id: int, key: str) -> Select[IdempotentRequest]:
        return select(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
        )


@dataclass(frozen=True)
class RedisStore:
    """One Redis string per user and key, JSON: the claim is ``SET NX`` expiring after the
    running timeout, the answer replaces it and expires after the answer's lifetime."""

    client: redis.Redis
    prefix: str
    lifetimes: Lifetimes

    def claim(self, user_id: int, key: str, fingerprint: str) -> bool:
        value = json.dumps(Stored(fingerprint).kept())
        running = self.lifetimes.running
        return bool(self.client.set(self._name(user_id, key), value, nx=True, px=running))

    def replay(self, user_id: int, key: str) -> Stored | None:
        pipeline = self.client.pipeline()
        pipeline.get(self._name(user_id, key))
        pipeline.pttl(self._name(user_id, key))
        value, expires_in = pipeline.execute()
        if value is None:
            return None
        stored = Stored(**json.loads(value))
        if stored.status is None and expires_in >= 0:
            stored = Stored(stored.fingerprint, holds_for=expires_in / 1000)
        return stored

    def settle(self, user_id: int, key: str, answer: Stored) -> None:
        # XX: a claim that expired while running stays gone (a retry runs the request again,
        # as after a crash) rather than coming back over someone else's newer claim.
        value = json.dumps(answer.kept())
        self.client.set(self._name(user_id, key), value, xx=True, px=self.lifetimes.answer)

    def release(self, user_id: int, key: str) -> None:
        self.client.delete(self._name(user_id, key))

    def _name(self, user_id: int, key: str) -> str:
        # Hashed: a client's key may hold any character, and Redis keys stay short.
        return f"{self.prefix}:{user_id}:{hashlib.sha256(key.encode()).hexdigest()}"


EXTENSION = "taskboard.idempotency"


def store() -> Store:
    """The application's store (made by the API's ``init_app``, see :func:`store_for`)."""
    extensions = current_app.extensions
    if EXTENSION not in extensions:  # an app whose API was set up without init_app
        extensions[EXTENSION] = store_for(current_app)
    found: Store = extensions[EXTENSION]
    return found


def store_for(app: Flask) -> Store:
    """The store ``TASKBOARD_IDEMPOTENCY_STORE_URI`` names: empty for the database."""
    uri = str(app.config["TASKBOARD_IDEMPOTENCY_STORE_URI"] or "")
    lifetimes = Lifetimes.of(app)
    if not uri:
        return DatabaseStore(lifetimes)
    if uri.startswith(("redis://", "rediss://", "unix://")):
        prefix = str(app.config["TASKBOARD_IDEMPOTENCY_KEY_PREFIX"])
        return RedisStore(redis.Redis.from_url(uri), prefix, lifetimes)
    raise ValueError(f"TASKBOARD_IDEMPOTENCY_STORE_URI: {uri!r} is neither empty nor redis://")
