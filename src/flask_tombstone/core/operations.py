"""Writing the operations table: an operation is opened, then closed with its counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, exists, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .errors import DatabaseFailure, TombstoneError
from .records import Operation, OperationKind, OperationStatus, utcnow
from .sql import INTERNAL

OPERATIONS: Table = Operation.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Request:
    """Who asks, and why: what every operation records besides its rows."""

    actor: str | None = None
    reason: str | None = None
    request_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def actor_id(actor: Any) -> str | None:
    """How an actor is recorded: ``None``, a string as given, else ``get_id()`` or ``id``."""
    if actor is None or isinstance(actor, str):
        return actor
    for attribute in ("tombstone_actor", "get_id", "id"):
        value = getattr(actor, attribute, None)
        if value is not None:
            return str(value() if callable(value) else value)
    return str(actor)


def open_operation(
    session: Session,
    request: Request,
    *,
    kind: str,
    root_model: str,
    target: dict[str, Any],
    ref_op: int | None = None,
    created_at: datetime | None = None,
) -> int:
    values = {
        "kind": kind,
        "status": OperationStatus.RUNNING,
        "actor": request.actor,
        "reason": request.reason,
        "request_id": request.request_id,
        "root_model": root_model,
        "target": target,
        "counts": {},
        "effects": {},
        "context": request.context,
        "ref_op": ref_op,
        "created_at": created_at or utcnow(),
    }
    result = session.execute(insert(OPERATIONS).values(values), execution_options=INTERNAL)
    return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]


def close_operation(
    session: Session,
    op_id: int,
    counts: dict[str, int],
    effects: dict[str, Any] | None = None,
    *,
    done: bool = True,
) -> Operation:
    values: dict[str, Any] = {
        "counts": {name: n for name, n in counts.items() if n},
        "effects": effects or {},
    }
    if done:
        values.update(status=OperationStatus.DONE, finished_at=utcnow())
    if session.get_bind().dialect.update_returning:
        # One round trip: the row comes back with the UPDATE (PostgreSQL, SQLite).
        statement = update(Operation).where(Operation.id == op_id).values(values)
        options = INTERNAL | {"synchronize_session": False, "populate_existing": True}
        result = session.execute(statement.returning(Operation), execution_options=options)
        return result.scalar_one()
    statement = update(OPERATIONS).where(OPERATIONS.c.id == op_id).values(values)
    session.execute(statement, execution_options=INTERNAL)
    operation = session.get(Operation, op_id, populate_existing=True, execution_options=INTERNAL)
    assert operation is not None
    return operation


def settled_by(op_id_column: Any, kinds: tuple[str, ...]) -> Any:
    """``EXISTS`` a finished operation of ``kinds`` that acted on the operation."""
    other = OPERATIONS.alias("settling")
    return exists().where(
        other.c.ref_op == op_id_column,
        other.c.kind.in_(kinds),
        other.c.status == OperationStatus.DONE,
    )


def in_trash() -> Any:
    """Criterion on :class:`Operation`: finished soft deletes neither restored nor purged."""
    return (
        (Operation.kind == OperationKind.DELETE)
        & (Operation.status == OperationStatus.DONE)
        & ~settled_by(Operation.id, (OperationKind.RESTORE, OperationKind.PURGE))
    )


def trash_query() -> Any:
    return select(Operation).where(in_trash()).order_by(Operation.id.desc())


@contextmanager
def atomic(session: Session) -> Iterator[None]:
    """Run an operation in a savepoint: any failure leaves the database as it was.

    Database errors come out as :class:`~.errors.DatabaseFailure` (the original chained).
    """
    begin_sqlite_transaction(session)
    savepoint = session.begin_nested()
    try:
        yield
    except TombstoneError:
        savepoint.rollback()
        raise
    except DBAPIError as exc:
        savepoint.rollback()
        raise DatabaseFailure() from exc
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


def begin_sqlite_transaction(session: Session) -> None:
    """Make sure pysqlite has really begun a transaction before the first SAVEPOINT.

    pysqlite begins transactions lazily, before the first DML statement. A SAVEPOINT issued
    before that starts the transaction itself, and its RELEASE then commits: the caller's
    later rollback could not undo the operation. An explicit BEGIN prevents that.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not getattr(dbapi, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")
