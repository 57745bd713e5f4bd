"""PostgreSQL: only deletes the planner's statistics call small take the one-statement path;
a board of hundreds of cards goes the general way, whose statements cost less per row, with
the same outcome (issue 11: the cascade bench at 1.29x the floor on one statement)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import Tombstone
from flask_tombstone.core.fanout import SMALL, ColumnStats

from .board_models import Base, Board, Card, Note, board_sessions
from .test_one_statement import Sent

BIG_BOARD, CARDS, NOTES = 3, 200, 3


def test_column_statistics_estimate_as_the_planner_does() -> None:
    # 1,000 rows, 10% NULL, 100 distinct values; value 7 holds 30% of the rows.
    stats = ColumnStats.read(1000.0, 0.1, 100.0, ["7"], [0.3])
    assert stats is not None
    assert stats.for_key(7) == pytest.approx(300.0)
    assert stats.for_key(8) == pytest.approx(0.6 * 1000 / 99)  # the rest, shared
    assert stats.per_key() == pytest.approx(9.0)
    ratio = ColumnStats.read(1000.0, 0.0, -0.5, None, None)  # n_distinct as a fraction
    assert ratio is not None and ratio.per_key() == pytest.approx(2.0)
    assert ColumnStats.read(-1.0, None, None, None, None) is None  # never analyzed
    assert ColumnStats.read(1000.0, 0.0, 0.0, None, None) is None  # distinct unknown


@pytest.fixture
def Maker(engine: Engine) -> Iterator[sessionmaker[Session]]:
    for maker in board_sessions(engine):
        with maker() as session:
            session.add(Board(id=BIG_BOARD, name="big", owner_id=1))
            session.flush()
            session.execute(
                insert(Card),
                [{"id": 100 + n, "name": f"c{n}", "board_id": BIG_BOARD} for n in range(CARDS)],
            )
            session.execute(
                insert(Note),
                [
                    {"id": 1000 + n * NOTES + k, "body": "n", "card_id": 100 + n}
                    for n in range(CARDS)
                    for k in range(NOTES)
                ],
            )
            session.commit()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE os_card, os_note"))
            conn.commit()
        yield maker


def count_sent(
    ts: Tombstone, Maker: sessionmaker[Session], engine: Engine, model: type, key: int
) -> tuple[int, dict[str, int]]:
    with Maker() as session:
        ts.delete(model, ids=[key], session=session)  # statistics read, then rolled back
        session.rollback()
    with Maker() as session:
        session.connection()
        with Sent(engine) as sent:
            op = ts.delete(model, ids=[key], session=session)
        session.commit()
    return len(sent), op.counts


ON_POSTGRESQL = pytest.mark.parametrize("db_kind", ["postgresql"])  # its one-statement path


@ON_POSTGRESQL
def test_a_big_board_goes_the_general_way_and_a_small_one_in_one_statement(
    Maker: sessionmaker[Session], engine: Engine
) -> None:
    ts = Tombstone(Base, session=Maker)
    with Maker() as session:
        plan = ts.plan(Board, ids=[BIG_BOARD])
        big = ts._fanout.rows(session, plan)
        small = ts._fanout.rows(session, ts.plan(Board, ids=[2]))
    assert big > SMALL and small < SMALL, (big, small)
    statements, counts = count_sent(ts, Maker, engine, Board, BIG_BOARD)
    assert counts == {"Board": 1, "Card": CARDS, "Note": CARDS * NOTES}
    assert statements > 1
    statements, counts = count_sent(ts, Maker, engine, Board, 2)
    assert counts == {"Board": 1, "Card": 2, "Note": 6}
    assert statements == 1


@ON_POSTGRESQL
def test_statistics_are_read_once_then_kept(Maker: sessionmaker[Session], engine: Engine) -> None:
    ts = Tombstone(Base, session=Maker)
    with Maker() as session, Sent(engine) as sent:
        for _ in range(3):
            ts._fanout.rows(session, ts.plan(Board, ids=[2]))
    assert len([s for s in sent if "pg_stats" in s]) == 1
