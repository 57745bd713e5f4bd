"""Concurrent operations on a real server: one winner, clear losers, no deadlock."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import AlreadyGone, Operation, Tombstone, TombstoneError

from .conftest import World
from .models import Comment, Item

SERVERS = ("postgresql", "mariadb")


def race(workers: int, action: Any) -> list[str]:
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        outcome = action()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("db_kind", SERVERS)
def test_concurrent_deletes_of_one_row_make_one_operation(
    db_kind: str,
    Session_: sessionmaker[Session],
    tombstone: Tombstone,
    world: World,
) -> None:
    item_id = world.items[0].id

    def delete_it() -> str:
        with Session_() as session:
            try:
                tombstone.delete(Item, ids=[item_id], session=session)
                session.commit()
                return "deleted"
            except AlreadyGone:
                session.rollback()
                return "gone"

    outcomes = Counter(race(8, delete_it))
    assert outcomes == {"deleted": 1, "gone": 7}
    with Session_() as session:
        assert session.scalar(select(func.count()).select_from(Operation)) == 1


@pytest.mark.parametrize("db_kind", SERVERS)
def test_overlapping_cascades_do_not_deadlock(
    db_kind: str,
    Session_: sessionmaker[Session],
    tombstone: Tombstone,
    world: World,
) -> None:
    with Session_() as session:
        session.add_all(Comment(body=f"c{i}", item_id=world.items[i % 3].id) for i in range(300))
        session.commit()
    targets = [
        lambda s: tombstone.delete(s.get(type(world.alpha), world.alpha.id), session=s),
        lambda s: tombstone.delete(Item, ids=[i.id for i in world.items[:3]][::-1], session=s),
        lambda s: tombstone.delete(select(Comment).where(Comment.body.like("c%")), session=s),
        lambda s: tombstone.delete(Item, ids=[world.items[1].id, world.items[0].id], session=s),
    ]
    counter = iter(range(len(targets)))
    lock = threading.Lock()

    def act() -> str:
        with lock:
            index = next(counter)
        with Session_() as session:
            try:
                targets[index](session)
                session.commit()
                return "done"
            except TombstoneError as error:
                session.rollback()
                return error.code

    outcomes = race(len(targets), act)
    assert "database" not in outcomes, outcomes  # a deadlock would surface as a DB failure
    assert outcomes.count("done") >= 1
    with Session_() as session:
        live = session.scalar(
            select(func.count()).select_from(Comment).where(Comment.body.like("c%"))
        )
        assert live == 0 or outcomes.count("done") < len(targets)
        stamped = session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.deleted_at.is_not(None), Comment.deleted_by_op.is_(None))
            .execution_options(include_deleted=True)
        )
        assert stamped == 0
