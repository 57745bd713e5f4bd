"""Audit integrity: operations sealed into a hash chain, and its verification.

``seal`` links the finished, unsealed operations in the order it finds them committed, each
record's hash covering its own fields and its predecessor's hash. Writers never wait for it:
only sealers serialise, through the unique sequence number of the chain (a concurrent sealer
that took the same number fails and retries). ``verify`` walks the chain and reports the first
record that was edited, removed or moved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .operations import begin_sqlite_transaction
from .records import Operation, OperationStatus
from .sql import INTERNAL

GENESIS = "0" * 64
SEALED_FIELDS = (
    "id",
    "kind",
    "status",
    "actor",
    "reason",
    "request_id",
    "root_model",
    "target",
    "counts",
    "effects",
    "context",
    "ref_op",
    "created_at",
    "finished_at",
    "seal_seq",
)


def record_hash(values: dict[str, Any], prev_hash: str) -> str:
    payload = {name: _plain(values[name]) for name in SEALED_FIELDS}
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value


def _values(op: Any) -> dict[str, Any]:
    return {name: getattr(op, name) for name in SEALED_FIELDS}


def seal(session: Session, batch: int = 1000, attempts: int = 5) -> int:
    """Seal every finished operation not yet in the chain; returns how many were sealed.

    Runs in a savepoint. A concurrent sealer that extended the chain first makes ours fail on
    the unique sequence number: we roll back to the savepoint and start again from the new head.
    """
    for attempt in range(attempts):
        begin_sqlite_transaction(session)
        savepoint = session.begin_nested()
        try:
            sealed = _seal_pending(session, batch)
        except (IntegrityError, SealRaced):
            savepoint.rollback()
            if attempt == attempts - 1:
                raise
            continue
        savepoint.commit()
        return sealed
    return 0


class SealRaced(Exception):
    """A concurrent sealer extended the chain while we were sealing."""


def _seal_pending(session: Session, batch: int) -> int:
    head = session.execute(
        select(Operation.seal_seq, Operation.hash)
        .where(Operation.seal_seq.is_not(None))
        .order_by(Operation.seal_seq.desc())
        .limit(1),
        execution_options=INTERNAL,
    ).first()
    seq, prev = (int(head[0] or 0), str(head[1])) if head else (0, GENESIS)
    sealed = 0
    while True:
        pending = (
            session.execute(
                select(Operation)
                .where(Operation.seal_seq.is_(None), Operation.status == OperationStatus.DONE)
                .order_by(Operation.finished_at, Operation.id)
                .limit(batch),
                execution_options=INTERNAL | {"populate_existing": True},
            )
            .scalars()
            .all()
        )
        if not pending:
            return sealed
        for op in pending:
            seq += 1
            values = _values(op) | {"seal_seq": seq}
            digest = record_hash(values, prev)
            result = session.execute(
                update(Operation)
                .where(Operation.id == op.id, Operation.seal_seq.is_(None))
                .values(seal_seq=seq, prev_hash=prev, hash=digest),
                execution_options=INTERNAL | {"synchronize_session": False},
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise SealRaced  # another sealer took this record first
            prev = digest
            sealed += 1
        session.expire_all()


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`: ``ok``, or the first broken record and why."""

    ok: bool
    checked: int
    operation_id: int | None = None
    seal_seq: int | None = None
    problem: str | None = None  # tampered | missing | reordered

    def __bool__(self) -> bool:
        return self.ok


def verify(session: Session) -> Verification:
    """Walk the chain in sequence order, recomputing every hash (streamed: flat memory)."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    query = (
        select(Operation)
        .where(Operation.seal_seq.is_not(None))
        .order_by(Operation.seal_seq)
        .execution_options(yield_per=500, populate_existing=True, **INTERNAL)
    )
    with session.execute(query) as result:
        for op in result.scalars():
            if op.seal_seq != expected_seq:
                return Verification(False, checked, op.id, expected_seq, "missing")
            if op.prev_hash != prev:
                return Verification(False, checked, op.id, op.seal_seq, "reordered")
            if record_hash(_values(op), prev) != op.hash:
                return Verification(False, checked, op.id, op.seal_seq, "tampered")
            prev = str(op.hash)
            expected_seq += 1
            checked += 1
    return Verification(True, checked)


def chain_length(session: Session) -> int:
    query = select(func.count()).where(Operation.seal_seq.is_not(None))
    return int(session.execute(query, execution_options=INTERNAL).scalar_one())
