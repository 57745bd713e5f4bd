"""An error at any step leaves the database exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from flask_tombstone.core import DatabaseFailure, Operation, Tombstone

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
    assert steps > 2
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
