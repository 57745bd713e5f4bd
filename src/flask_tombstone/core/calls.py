"""What every public call of the engine promises about the database's own errors.

``delete`` and ``restore`` run in :func:`~.operations.atomic`, which turns a driver's error
into :class:`~.errors.DatabaseFailure`. The other calls read before (or instead of) writing —
purge finds its operation and its blockers first, seal, verify and preview only read — and a
missing table, a column an old schema lacks or a locked database surfaced there as the raw
``sqlalchemy.exc`` error, which a caller catching :class:`~.errors.TombstoneError` (the CLI,
the views, the API) did not expect. Each public method is therefore an :func:`entry_point`:
the promise is kept in one place, whatever statement of the call failed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from .errors import DatabaseFailure

P = ParamSpec("P")
R = TypeVar("R")

# The sessions the current entry point works in, each with the transaction it had when the
# call took it: [(session, its transaction then, or None)]. None outside an entry point.
_CALL: ContextVar[list[tuple[Session, SessionTransaction | None]] | None] = ContextVar(
    "flask_tombstone_call", default=None
)


def entry_point(method: Callable[P, R]) -> Callable[P, R]:
    """A public call of the engine: a database error comes out as :class:`DatabaseFailure`
    (the driver's error chained, never in its message), and the transaction the call itself
    began in a session it works in (see :func:`working_in`) is rolled back, so that the
    session is usable afterwards (on PostgreSQL a failed statement aborts the transaction).
    A transaction the caller had begun is the caller's to roll back.

    An entry point called by another (restore reading its operation through
    :meth:`trashed_operation`) leaves both to the outer one.
    """

    @wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if _CALL.get() is not None:
            return method(*args, **kwargs)
        sessions: list[tuple[Session, SessionTransaction | None]] = []
        token = _CALL.set(sessions)
        try:
            return method(*args, **kwargs)
        except DBAPIError as exc:
            for session, before in sessions:
                _roll_back_own(session, before)
            raise DatabaseFailure() from exc
        finally:
            _CALL.reset(token)

    return call


def working_in(session: Session) -> Session:
    """``session``, noted as one the current entry point works in (with its transaction as
    the call found it); returned as is outside an entry point."""
    sessions = _CALL.get()
    if sessions is not None:
        # Given as ``session=db.session``: the proxy's current session is the one to watch.
        actual = session() if isinstance(session, scoped_session) else session
        sessions.append((actual, actual.get_transaction()))
    return session


def _roll_back_own(session: Session, before: SessionTransaction | None) -> None:
    """Roll back the session's transaction if the call began it: it had none, or the call
    committed the caller's (a purge by age commits one operation at a time)."""
    current = session.get_transaction()
    if current is not None and current is not before:
        session.rollback()
