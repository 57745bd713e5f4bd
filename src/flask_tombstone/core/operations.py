"""Writing the operations table: an operation is written once, finished, after its work where
its id can be known beforehand; otherwise opened, then closed with its counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, bindparam, exists, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class, set_committed_value
from sqlalchemy.orm.util import identity_key

from .errors import DatabaseFailure
from .records import Operation, OperationKind, OperationStatus, utcnow
from .sql import INTERNAL
from .transaction_writes import wrote_nothing

OPERATIONS: Table = Operation.__table__  # type: ignore[assignment]
JSON_COLUMNS = tuple(column.name for column in OPERATIONS.c if isinstance(column.type, JSON))
FINISHED = "tombstone_finished"  # Session.info: this transaction finished an operation


@dataclass(frozen=True)
class Request:
    """Who asks, and why: what every operation records besides its rows."""

    actor: str | None = None
    reason: str | None = None
    request_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # The actor as the caller gave it (a user object, say): what the permission hook receives.
    principal: Any = field(default=None, compare=False, repr=False)


def actor_id(actor: Any) -> str | None:
    """How an actor is recorded: ``None``, a string as given, else ``get_id()`` or ``id``."""
    if actor is None or isinstance(actor, str):
        return actor
    for attribute in ("tombstone_actor", "get_id", "id"):
        value = getattr(actor, attribute, None)
        if value is None:
            continue
        recorded = value() if callable(value) else value
        # Flask-Login's anonymous user has get_id() but no id: nobody, not "None".
        return None if recorded is None else str(recorded)
    return str(actor)


@dataclass(frozen=True)
class Opened:
    """An operation row written in this transaction, and the values it was written with."""

    id: int
    values: dict[str, Any]


def _row(
    request: Request,
    *,
    kind: str,
    root_model: str,
    target: dict[str, Any],
    ref_op: int | None,
    created_at: datetime | None,
) -> dict[str, Any]:
    return {
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


def _closing(
    counts: dict[str, int], effects: dict[str, Any] | None, *, done: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "counts": {name: n for name, n in counts.items() if n},
        "effects": effects or {},
    }
    if done:
        values.update(status=OperationStatus.DONE, finished_at=utcnow())
    return values


INSERT = insert(OPERATIONS)
"""The operation row's INSERT, its values given as parameters: built (and its cache key
generated) once, one compiled form per set of columns."""


def _insert(session: Session, values: dict[str, Any]) -> int:
    key = session.connection().execute(INSERT, values).inserted_primary_key
    assert key is not None  # an INSERT of one row always has it
    return int(key[0])


def open_operation(
    session: Session,
    request: Request,
    *,
    kind: str,
    root_model: str,
    target: dict[str, Any],
    ref_op: int | None = None,
    created_at: datetime | None = None,
) -> Opened:
    """Write the operation's row, ``running``, before its work (which needs its id)."""
    values = _row(
        request,
        kind=kind,
        root_model=root_model,
        target=target,
        ref_op=ref_op,
        created_at=created_at,
    )
    return Opened(_insert(session, values), values)


def finish_operation(
    session: Session,
    opened: Opened,
    counts: dict[str, int],
    effects: dict[str, Any] | None = None,
) -> Operation:
    """Close an operation opened in this transaction: one UPDATE, and the row known as
    written, without reading it back."""
    closing = closing_values(counts, effects)
    statement = update(OPERATIONS).where(OPERATIONS.c.id == opened.id).values(closing)
    session.connection().execute(statement)
    return closed(session, opened, closing)


def row_param(name: str) -> Any:
    """The operation row's column ``name`` as a parameter of a statement built once (the
    statement's values given by :func:`row_params`)."""
    return bindparam(f"tombstone_v_{name}", type_=OPERATIONS.c[name].type)


def row_params(values: dict[str, Any]) -> dict[str, Any]:
    """The operation row's ``values`` as :func:`row_param`'s parameters take them."""
    return {f"tombstone_v_{name}": value for name, value in values.items()}


def closing_values(counts: dict[str, int], effects: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns :func:`finish_operation` writes: done, now, with these counts."""
    return _closing(counts, effects, done=True)


def closed(session: Session, opened: Opened, closing: dict[str, Any]) -> Operation:
    """The :class:`Operation` of ``opened`` once ``closing`` was written (by
    :func:`finish_operation` or a caller's own ``UPDATE``), without reading it back."""
    session.info[FINISHED] = True
    return as_loaded(session, {"id": opened.id} | opened.values | closing)


def record_operation(
    session: Session,
    request: Request,
    *,
    kind: str,
    root_model: str,
    target: dict[str, Any],
    counts: dict[str, int],
    effects: dict[str, Any] | None = None,
    ref_op: int | None = None,
    created_at: datetime | None = None,
    op_id: Any = None,
) -> Operation:
    """Write a finished operation in one INSERT, after its work: for work that did not need
    its id (a restore, a hard delete journaling nothing), or whose rows were stamped with
    the id decided beforehand (``op_id``, from :func:`reserved_id`)."""
    values = finished_row(
        request,
        kind=kind,
        root_model=root_model,
        target=target,
        counts=counts,
        effects=effects,
        ref_op=ref_op,
        created_at=created_at,
    )
    if op_id is None:
        written = _insert(session, values)
    elif isinstance(op_id, int):
        written = _insert(session, values | {"id": op_id})
    else:  # SQLite: the id as the same expression the rows were stamped with
        statement = INSERT_NEXT_ROWID if op_id is NEXT_ROWID else INSERT.values(id=op_id)
        key = session.connection().execute(statement, values).inserted_primary_key
        assert key is not None
        written = int(key[0])
    return recorded(session, written, values)


def finished_row(
    request: Request,
    *,
    kind: str,
    root_model: str,
    target: dict[str, Any],
    counts: dict[str, int],
    effects: dict[str, Any] | None = None,
    ref_op: int | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of a finished operation's row, but its id (what :func:`record_operation`
    writes)."""
    values = _row(
        request,
        kind=kind,
        root_model=root_model,
        target=target,
        ref_op=ref_op,
        created_at=created_at,
    )
    return values | closing_values(counts, effects)


def recorded(session: Session, op_id: int, values: dict[str, Any]) -> Operation:
    """The :class:`Operation` of the finished row just written with ``values`` as ``op_id``,
    the transaction noted as having finished one (for sealing)."""
    session.info[FINISHED] = True
    return as_loaded(session, {"id": op_id} | values)


def reserved_id(dialect: str) -> Any:
    """How a soft delete knows its operation's id before the row exists, so that the row is
    written once, finished, with its exact counts, after the rows are stamped:

    - PostgreSQL: the next value of the table's sequence, taken by the first stamping
      statement (:data:`FROM_SEQUENCE`, see :func:`.execute.stamp_soft`), which returns it;
      sequences are never handed out twice, so the later ``INSERT`` with that id is safe;
    - SQLite: ``max(id) + 1``, the id SQLite itself would give the row (a SQL expression,
      the same in every statement of the operation): from its first write the transaction
      holds the database's only write lock, so no other connection inserts in between, and
      the engine writes no other operation row before this one's;
    - ``None`` elsewhere (MariaDB/MySQL: no sequence behind ``AUTO_INCREMENT``, and
      ``max(id) + 1`` read by two transactions at once would collide): the row is opened
      ``running`` first and finished with an ``UPDATE``.
    """
    if dialect == "postgresql":
        return FROM_SEQUENCE
    if dialect == "sqlite":
        return NEXT_ROWID
    return None


NEXT_ROWID = select(func.coalesce(func.max(OPERATIONS.c.id), 0) + 1).scalar_subquery()
"""SQLite's :func:`reserved_id`: the id the next row of the operations table gets."""

INSERT_NEXT_ROWID = INSERT.values(id=NEXT_ROWID)

FROM_SEQUENCE = "sequence"
"""A :func:`reserved_id`: the id comes from the operations table's sequence, in the first
statement that stamps rows with it."""


def next_in_sequence() -> Any:
    """``nextval`` of the sequence behind ``tombstone_operation.id`` (serial or identity)."""
    return func.nextval(func.pg_get_serial_sequence(OPERATIONS.name, "id"))


def as_loaded(session: Session, values: dict[str, Any]) -> Operation:
    """The :class:`Operation` of a row this transaction just wrote, in the session as if
    loaded (no statement): JSON values as the database gives them back, the rest as given,
    columns not written (the seal's) empty."""
    row = dict.fromkeys(OPERATIONS.c.keys()) | values
    for name in JSON_COLUMNS:
        row[name] = _as_stored(row[name])
    held = session.identity_map.get(identity_key(Operation, row["id"]))
    if held is not None:
        # A stale instance of a rolled-back operation whose id the database gave out again.
        for name, value in row.items():
            set_committed_value(held, name, value)
        return held
    # Built as the ORM's loading builds an instance: the values straight into its dict, as
    # committed (no history, no attribute events), then attached by its identity.
    operation = _MANAGER.new_instance()
    operation.__dict__.update(row)
    make_transient_to_detached(operation)
    session.add(operation)
    return operation


_MANAGER = manager_of_class(Operation)


def _as_stored(value: Any) -> Any:
    """A JSON value as the database gives it back: a fresh copy, keys as strings. The usual
    ``{name: count}`` is copied directly; anything else goes through ``json``."""
    if isinstance(value, dict) and all(
        type(k) is str and (type(v) is int or type(v) is str) for k, v in value.items()
    ):
        return dict(value)
    return json.loads(json.dumps(value))


def close_operation(
    session: Session,
    op_id: int,
    counts: dict[str, int],
    effects: dict[str, Any] | None = None,
    *,
    done: bool = True,
) -> Operation:
    """Close operation ``op_id``, opened in an earlier transaction or since changed (chunked
    work), and read it back."""
    values = _closing(counts, effects, done=done)
    if done:
        session.info[FINISHED] = True
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


def restored_or_purged(ref: Any) -> Any:
    """``EXISTS`` a restore or purge of the deletion ``ref``, finished or running: what
    refuses its restore."""
    other = OPERATIONS.alias("settling")
    return exists().where(
        other.c.ref_op == ref, other.c.kind.in_((OperationKind.RESTORE, OperationKind.PURGE))
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
    """Run an operation so that any failure leaves the database as it was: in a savepoint of
    the caller's transaction, or, when that transaction has written nothing yet
    (:mod:`.transaction_writes`), in the transaction itself (rolled back on failure; the
    savepoint's two round trips saved).

    Database errors come out as :class:`~.errors.DatabaseFailure` (the original chained).
    """
    # The savepoint is the connection's, not the session's: rolling it back undoes the
    # operation's statements and nothing else (a session-level savepoint would also revert
    # every deletion pending in the session and expire its modified objects).
    savepoint = None
    if not _wrote_nothing(session):
        begin_sqlite_transaction(session)
        savepoint = session.connection().begin_nested()
    try:
        yield
    except BaseException as exc:
        if savepoint is None:
            session.rollback()
        elif savepoint.is_active:
            try:
                savepoint.rollback()
            except DBAPIError:
                # The database already ended the whole transaction (on MariaDB/MySQL a
                # deadlock's victim loses its savepoints too): roll the session back, and
                # report the original failure, not "SAVEPOINT does not exist".
                session.rollback()
        if isinstance(exc, DBAPIError):
            raise DatabaseFailure() from exc
        raise
    if savepoint is not None:
        savepoint.commit()


def _wrote_nothing(session: Session) -> bool:
    """Whether the session's transaction has written nothing yet (pending changes are flushed
    first, as a savepoint would), so that rolling it back undoes exactly the operation. A
    flush in progress (the listeners' ``session.delete``) takes a savepoint."""
    if session._flushing:
        return False
    session.flush()
    return wrote_nothing(session.connection())


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
