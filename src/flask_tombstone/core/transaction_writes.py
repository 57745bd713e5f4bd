"""Whether the caller's transaction has written anything yet, so that an operation can run in
it directly (rolled back whole on failure) instead of in a savepoint: a request that loads a
row and deletes it then pays no ``SAVEPOINT`` / ``RELEASE`` round trips, and loses nothing of
its own if the operation fails (it had only read).

Known from the statements each connection of the engine sent since its transaction began
(watched from the first operation on an engine on: until the next transaction begins, the
engine's transactions are not known, and take the savepoint). A statement that does not
begin with ``SELECT`` counts as a write (``WITH`` too: it may modify data); a ``SELECT``
calling a function that writes is not seen, nor is SQL sent on the raw DBAPI connection.
Where the driver says so (psycopg's transaction status), a transaction that has sent nothing
at all is known without watching.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event

STATE = "tombstone_transaction"  # in Connection.info (the DBAPI connection's): "read" | "wrote"
READ, WROTE = "read", "wrote"


def wrote_nothing(connection: Connection) -> bool:
    """Whether ``connection``'s transaction has written nothing (and is a real transaction,
    not autocommit), watching its engine from now on."""
    if _autocommit(connection):
        return False
    watch(connection.engine)
    if connection.info.get(STATE) == READ:
        return True
    dbapi = connection.connection.dbapi_connection
    status = getattr(getattr(dbapi, "info", None), "transaction_status", None)
    return getattr(status, "name", None) == "IDLE" and not getattr(dbapi, "autocommit", True)


def watch(engine: Engine) -> None:
    """Note, for every transaction of ``engine`` that begins from now on, whether it wrote."""
    if not event.contains(engine, "begin", _begun):
        event.listen(engine, "begin", _begun)
        event.listen(engine, "before_cursor_execute", _sending)
        event.listen(engine, "commit", _ended)
        event.listen(engine, "rollback", _ended)


def _autocommit(connection: Connection) -> bool:
    is_autocommit = getattr(connection, "_is_autocommit_isolation", None)
    return bool(is_autocommit()) if is_autocommit is not None else True


def _begun(connection: Connection) -> None:
    connection.info[STATE] = READ


def _sending(connection: Connection, cursor: Any, statement: str, *_: Any) -> None:
    if connection.info.get(STATE) == READ and not _reads(statement):
        connection.info[STATE] = WROTE


def _ended(connection: Connection) -> None:
    connection.info.pop(STATE, None)


def _reads(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"
