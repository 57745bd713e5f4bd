"""An error at any step leaves the database exactly as it was."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from flask_tombstone.core import AuditSettings, DatabaseFailure, Operation, Tombstone

from .conftest import World
from .models import Comment, Item, Project

MODELS = (Project, Item, Comment, Operation)


def snapshot(session: Session) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for model in MODELS:
        rows = session.execute(
            select(model.__table__).execution_options(include_deleted=True)  # type: ignore[attr-defined]
        ).all()
        state[model.__name__] = sorted(tuple(map(str, r)) for r in rows)
    return state


class FailAt:
    """Fail the n-th statement the engine sends."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.seen = 0

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            return
        self.seen += 1
        if self.seen == self.n:
            raise RuntimeError(f"injected failure at statement {self.n}")


def count_statements(session: Session, action: Any) -> int:
    probe = FailAt(10**9)
    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", probe)
    try:
        action()
    finally:
        event.remove(bind, "before_cursor_execute", probe)
    return probe.seen


@pytest.mark.parametrize("operation", ["soft", "hard", "restore", "purge"])
def test_failure_at_every_step_rolls_back(
    session: Session, tombstone: Tombstone, world: World, operation: str
) -> None:
    earlier = tombstone.delete(world.alpha) if operation in ("restore", "purge") else None
    session.commit()
    before = snapshot(session)

    def act() -> None:
        if operation == "soft":
            tombstone.delete(world.alpha, session=session)
        elif operation == "hard":
            tombstone.delete(world.alpha, hard=True, snapshot=True, session=session)
        elif operation == "restore":
            assert earlier is not None
            tombstone.restore(earlier.id, session=session)
        else:
            assert earlier is not None
            tombstone.purge(earlier.id, session=session)

    steps = count_statements(session, act)
    session.rollback()
    assert snapshot(session) == before
    assert steps >= 2  # a restore on PostgreSQL: the locked read, then one statement
    bind = session.get_bind()
    for n in range(1, steps + 1):
        injector = FailAt(n)
        event.listen(bind, "before_cursor_execute", injector)
        try:
            with pytest.raises((RuntimeError, DatabaseFailure)):
                act()
        finally:
            event.remove(bind, "before_cursor_execute", injector)
        session.commit()  # commits whatever the failed operation left: it must be nothing
        assert snapshot(session) == before, f"statement {n} of {steps} left a trace"


def test_database_errors_are_wrapped_without_raw_text(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    session.execute(text("DROP TABLE tombstone_journal"))
    session.commit()
    with pytest.raises(DatabaseFailure) as caught:
        tombstone.delete(world.items[0], hard=True, snapshot=True)
    assert "journal" not in str(caught.value).lower()
    assert caught.value.status == 503 and caught.value.__cause__ is not None
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Item)) == 5


class RefuseFirst:
    """The database refuses the first statement the engine sends (``database is locked``),
    as its driver would: with its own ``OperationalError``."""

    def __init__(self, bind: Any) -> None:
        self.error = bind.dialect.loaded_dbapi.OperationalError

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            raise self.error("database is locked")


# Every public call that reads or writes, beside delete and restore (atomic: see above).
CALLS: dict[str, Any] = {
    "preview": lambda ts, s, w, op: ts.preview(w.alpha, session=s),
    "trashed_operation": lambda ts, s, w, op: ts.trashed_operation(op, s),
    "purge": lambda ts, s, w, op: ts.purge(op, session=s),
    "purge --dry-run": lambda ts, s, w, op: ts.purge(op, dry_run=True, session=s),
    "purge by age": lambda ts, s, w, op: ts.purge(older_than=timedelta(0), session=s),
    "snapshots": lambda ts, s, w, op: ts.snapshots(op, session=s),
    "seal": lambda ts, s, w, op: ts.seal(s),
    "anchor_head": lambda ts, s, w, op: ts.anchor_head(s),
    "verify": lambda ts, s, w, op: ts.verify(s),
    "rekey": lambda ts, s, w, op: ts.rekey(s),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_every_call_reports_database_errors_as_database_failure(
    session: Session, tombstone: Tombstone, world: World, call: str, tmp_path: Path
) -> None:
    tombstone.audit_settings = AuditSettings.build(
        key="k" * 40, anchor=(tmp_path / "head").as_uri()
    )
    op = tombstone.delete(world.items[0], session=session)
    session.commit()
    bind = session.get_bind()
    refuse = RefuseFirst(bind)
    event.listen(bind, "before_cursor_execute", refuse)
    try:
        with pytest.raises(DatabaseFailure) as caught:
            CALLS[call](tombstone, session, world, op.id)
    finally:
        event.remove(bind, "before_cursor_execute", refuse)
    assert isinstance(caught.value.__cause__, DBAPIError)
    assert "locked" not in str(caught.value)


def test_a_failed_read_rolls_back_the_transaction_it_began(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    session.execute(text("DROP TABLE tombstone_operation"))
    session.commit()
    with pytest.raises(DatabaseFailure):
        tombstone.verify(session)
    # No transaction left open: no lock held, and on PostgreSQL no aborted transaction
    # refusing the session's next statement.
    assert session.get_transaction() is None
    assert session.scalar(select(func.count()).select_from(Item)) == 5


def test_a_failed_read_leaves_the_callers_transaction_to_the_caller(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    session.execute(text("DROP TABLE tombstone_operation"))
    session.commit()
    world.items[0].name = "renamed"
    session.flush()
    before = session.get_transaction()
    with pytest.raises(DatabaseFailure):
        tombstone.seal(session)
    assert session.get_transaction() is before  # the caller's, not rolled back behind its back
    session.rollback()


def statements_of(session: Session, action: Any) -> list[str]:
    sent: list[str] = []
    bind = session.get_bind()

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(bind, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(bind, "before_cursor_execute", note)
    return sent


@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
def test_a_failed_operation_keeps_what_the_transaction_did_before_it(
    session: Session, tombstone: Tombstone, world: World, hard: bool
) -> None:
    session.commit()
    before = snapshot(session)
    session.execute(text("UPDATE project SET name = 'renamed' WHERE name = 'beta'"))
    bind = session.get_bind()
    injector = FailAt(2)  # the operation's second statement
    event.listen(bind, "before_cursor_execute", injector)
    try:
        with pytest.raises((RuntimeError, DatabaseFailure)):
            tombstone.delete(Item, ids=[world.items[0].id], hard=hard, session=session)
    finally:
        event.remove(bind, "before_cursor_execute", injector)
    session.commit()
    after = snapshot(session)
    renamed = [row for row in before["Project"] if "beta" in row]
    assert len(renamed) == 1 and after["Item"] == before["Item"]
    assert after["Operation"] == before["Operation"]
    assert any("renamed" in row for row in after["Project"])


@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
def test_an_operation_first_in_its_transaction_runs_in_it_directly(
    session: Session, tombstone: Tombstone, world: World, hard: bool
) -> None:
    """An operation whose transaction has sent nothing yet takes no savepoint: a failure
    rolls the transaction back (nothing else was in it) and the session goes on."""
    session.commit()
    before = snapshot(session)
    session.rollback()  # a fresh transaction: nothing sent in it yet
    item_id = world.items[0].id
    bind = session.get_bind()
    injector = FailAt(2)
    event.listen(bind, "before_cursor_execute", injector)
    try:
        with pytest.raises((RuntimeError, DatabaseFailure)):
            tombstone.delete(Item, ids=[item_id], hard=hard, session=session)
    finally:
        event.remove(bind, "before_cursor_execute", injector)
    session.commit()
    assert snapshot(session) == before
    session.rollback()
    sent = statements_of(
        session, lambda: tombstone.delete(Item, ids=[item_id], hard=hard, session=session)
    )
    session.commit()
    savepoints = [s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))]
    assert savepoints == []
    assert snapshot(session)["Item"] != before["Item"]


@pytest.mark.parametrize("hard", [False, True], ids=["soft", "hard"])
def test_an_operation_after_reads_only_runs_in_the_transaction_directly(
    session: Session, tombstone: Tombstone, world: World, hard: bool
) -> None:
    """A request that loads a row, then deletes it: the transaction has only read, so the
    operation takes no savepoint; if it fails, the rollback loses nothing written."""
    session.commit()
    before = snapshot(session)
    session.rollback()
    item = session.get(Item, world.items[0].id)
    bind = session.get_bind()
    injector = FailAt(2)
    event.listen(bind, "before_cursor_execute", injector)
    try:
        with pytest.raises((RuntimeError, DatabaseFailure)):
            tombstone.delete(item, hard=hard, session=session)
    finally:
        event.remove(bind, "before_cursor_execute", injector)
    session.commit()
    assert snapshot(session) == before
    session.rollback()
    item = session.get(Item, world.items[0].id)
    sent = statements_of(session, lambda: tombstone.delete(item, hard=hard, session=session))
    session.commit()
    assert [s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))] == []
    assert snapshot(session)["Item"] != before["Item"]


def test_an_operation_after_a_write_takes_a_savepoint(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    session.commit()
    session.get(Item, world.items[1].id)
    session.execute(text("UPDATE project SET name = 'renamed' WHERE name = 'beta'"))
    sent = statements_of(
        session, lambda: tombstone.delete(Item, ids=[world.items[0].id], session=session)
    )
    session.commit()
    assert len([s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))]) == 2
