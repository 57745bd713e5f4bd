"""A small soft delete on models with plain (not self-referencing) children: on PostgreSQL one
statement (data-modifying CTEs), elsewhere the general path, with the same outcome either way:
exact counts, the operation row written once and finished, nothing written when refused or
when nothing qualifies, refusals listed in full, and an exact restore (issue 11)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Engine,
    event,
    func,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import (
    AlreadyGone,
    Blocked,
    Conflict,
    NotFound,
    Operation,
    Settled,
    Tombstone,
)

from .board_models import ANN, BOB, Base, Board, Card, Note, Owner, Pin, board_sessions, owns


@pytest.fixture
def Maker(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield from board_sessions(engine)


@pytest.fixture
def ts(Maker: sessionmaker[Session]) -> Tombstone:
    return Tombstone(Base, session=Maker, permission=owns)


class Sent:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self.statements

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)

    def _note(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)


def table_state(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    state = {}
    for model in (Card, Note, Pin):
        rows = session.execute(
            select(model.id, model.deleted_at, model.deleted_by_op)
            .order_by(model.id)
            .execution_options(include_deleted=True)
        ).all()
        state[model.__name__] = [tuple(row) for row in rows]
    state["ops"] = [
        tuple(row) for row in session.execute(select(Operation.id, Operation.kind)).all()
    ]
    return state


def warm_statistics(ts: Tombstone, Maker: sessionmaker[Session]) -> None:
    """PostgreSQL reads the planner's statistics for a delete's links once a minute
    (:mod:`flask_tombstone.core.fanout`), not per request: read them before counting."""
    with Maker() as session:
        ts.delete(Card, ids=[1], actor=ANN, session=session)
        session.rollback()


def test_delete_then_restore_is_exact_and_writes_the_operation_once(
    ts: Tombstone, Maker: sessionmaker[Session], engine: Engine, db_kind: str
) -> None:
    with Maker() as session:
        before = table_state(session)
    warm_statistics(ts, Maker)
    with Maker() as session:
        session.connection()
        with Sent(engine) as sent:
            op = ts.delete(Card, ids=[1], actor=ANN, reason="tidy", session=session)
        session.commit()
    assert op.counts == {"Card": 1, "Note": 3} and op.status == "done"
    assert op.target_rows == 1 and op.actor == "owner:1" and op.reason == "tidy"
    if db_kind == "postgresql":
        assert len(sent) == 1, sent  # the stamps, the checks and the operation row
    writes = [s for s in sent if s.lstrip().upper().startswith("UPDATE TOMBSTONE_OPERATION")]
    # Written once, finished; MariaDB has no sequence to take the id from before the row.
    assert len(writes) == (1 if db_kind == "mariadb" else 0), writes
    with Maker() as session:
        stored = session.get(Operation, op.id)
        assert stored is not None
        assert (stored.status, stored.counts, stored.kind) == ("done", op.counts, "delete")
        assert stored.created_at == op.created_at and stored.finished_at is not None
        stamped = session.scalars(
            select(Note.id)
            .where(Note.deleted_by_op == op.id)
            .execution_options(include_deleted=True)
        ).all()
        assert sorted(stamped) == [10, 11, 12]
        assert session.scalar(select(func.count()).select_from(Card)) == 5  # others live
    with Maker() as session:
        restored = ts.restore(op.id, actor=ANN, session=session)
        session.commit()
    assert restored.counts == {"Card": 1, "Note": 3} and restored.ref_op == op.id
    with Maker() as session:
        after = table_state(session)
    assert after["Card"] == before["Card"] and after["Note"] == before["Note"]


def test_a_refusal_writes_nothing_and_lists_every_blocker(
    ts: Tombstone, Maker: sessionmaker[Session]
) -> None:
    with Maker() as session:
        before = table_state(session)
    # Warm the statement for ann, then bob asks with the same shape of criteria.
    with Maker() as session:
        ts.delete(Card, ids=[2], actor=ANN, session=session)
        session.rollback()
    with Maker() as session, pytest.raises(Blocked) as refused:
        ts.delete(Card, ids=[3], actor=BOB, session=session)
    forbidden = {(b.row.model, b.row.id) for b in refused.value.blockers}
    assert forbidden == {("Card", 3), ("Note", 30), ("Note", 31), ("Note", 32)}
    assert refused.value.total == 4
    with Maker() as session, pytest.raises(Blocked) as pinned:
        ts.delete(Card, ids=[4], actor=ANN, session=session)
    assert [(b.reason, b.row.model, b.row.id) for b in pinned.value.blockers] == [
        ("restrict", "Pin", 1)
    ]
    with Maker() as session:
        assert table_state(session) == before
    # bob may delete his own cards with the statement ann's calls built
    with Maker() as session:
        op = ts.delete(Card, ids=[5, 6], actor=BOB, session=session)
        session.commit()
    assert op.counts == {"Card": 2, "Note": 6}


def test_nothing_is_written_when_nothing_qualifies(
    ts: Tombstone, Maker: sessionmaker[Session]
) -> None:
    with Maker() as session:
        first = ts.delete(Card, ids=[1], actor=ANN, session=session)
        session.commit()
    with Maker() as session:
        before = table_state(session)
    with Maker() as session, pytest.raises(AlreadyGone):
        ts.delete(Card, ids=[1], actor=ANN, session=session)
    with Maker() as session, pytest.raises(NotFound):
        ts.delete(Card, ids=[1, 999], actor=ANN, session=session)
    with Maker() as session, pytest.raises(NotFound):
        ts.delete(Card, ids=[999], actor=ANN, missing_ok=True, session=session)
    with Maker() as session:
        assert table_state(session) == before
    with Maker() as session:
        op = ts.delete(Card, ids=[1, 2], actor=ANN, missing_ok=True, session=session)
        session.commit()
    assert op.counts == {"Card": 1, "Note": 3} and op.target_rows == 1
    assert op.id != first.id


def test_load_then_delete_marks_the_instance_and_keeps_the_callers_work(
    ts: Tombstone, Maker: sessionmaker[Session]
) -> None:
    with Maker() as session:
        card = session.get(Card, 2)
        session.add(Owner(id=3, name="cy"))  # the caller's own pending work
        session.flush()
        op = ts.delete(card, actor=ANN, session=session)
        assert card not in session  # deleted, as after the unit of work's own DELETE
        assert op.counts == {"Card": 1, "Note": 3}
        session.commit()
    with Maker() as session:
        assert session.get(Owner, 3) is not None
        assert session.get(Card, 2) is None  # hidden: in the trash


# {database: {path: statements}} on these models (plain children, a permission hook on
# both): counted as tests/core/test_single_row.py counts them. On PostgreSQL a delete by id
# is one statement; with a load before it, the savepoint that keeps the caller's
# transaction usable if the statement fails adds two.
PINNED = {
    "sqlite": {"delete": 3, "load_delete": 4, "restore": 4},
    "postgresql": {"delete": 1, "load_delete": 2, "restore": 2},
    "mariadb": {"delete": 4, "load_delete": 5, "restore": 4},
}


def test_statements_on_plain_children_are_pinned(
    ts: Tombstone, Maker: sessionmaker[Session], engine: Engine, db_kind: str
) -> None:
    found: dict[str, int] = {}

    def measure(path: str, action: Any) -> Any:
        with Maker() as session:
            session.connection()  # checked out, as in a request: not counted
            with Sent(engine) as sent:
                result = action(session)
            session.commit()
        found[path] = len(sent)
        return result

    warm_statistics(ts, Maker)
    op = measure("delete", lambda s: ts.delete(Card, ids=[1], actor=ANN, session=s))
    measure("load_delete", lambda s: ts.delete(s.get(Card, 2), actor=ANN, session=s))
    restored = measure("restore", lambda s: ts.restore(op.id, actor=ANN, session=s))
    assert op.counts == restored.counts == {"Card": 1, "Note": 3}
    assert found == PINNED[db_kind], found


def test_a_refused_restore_writes_nothing_and_says_why(
    ts: Tombstone, Maker: sessionmaker[Session], db_kind: str
) -> None:
    """On PostgreSQL the restoring statement reads the deletion's later operations and what
    stands in the way, and writes nothing if anything does; the refusal is then named."""
    with Maker() as session:
        card = ts.delete(Card, ids=[5], actor=BOB, session=session)
        board = ts.delete(Board, ids=[2], session=session)  # card 5's parent, in the trash
        session.commit()
    with Maker() as session:
        before = table_state(session)
    with Maker() as session, pytest.raises(Conflict) as refused:
        ts.restore(card.id, actor=BOB, session=session)
    assert [c.reason for c in refused.value.conflicts] == ["parent_in_trash"]
    with Maker() as session:
        assert table_state(session) == before
        both = ts.restore(card.id, with_parents=True, actor=BOB, session=session)
        session.commit()
    assert both.counts == {"Card": 1, "Note": 3}
    with Maker() as session, pytest.raises(Settled) as settled:
        ts.restore(board.id, session=session)
    assert settled.value.by is not None
    with Maker() as session:
        assert session.get(Card, 5) is not None and session.get(Board, 2) is not None
