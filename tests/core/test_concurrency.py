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


def settle_race(
    Session_: sessionmaker[Session], tombstone: Tombstone, actions: list[str], op_id: int
) -> list[str]:
    """Run restores and purges of one operation at once, each in its own session."""
    counter = iter(range(len(actions)))
    lock = threading.Lock()

    def act() -> str:
        with lock:
            action = actions[next(counter)]
        with Session_() as session:
            # Read first, as a view does before acting (on MariaDB this fixes the snapshot
            # a plain read would see for the rest of the transaction).
            session.scalars(tombstone.trash()).all()
            try:
                if action == "restore":
                    tombstone.restore(op_id, session=session)
                else:
                    tombstone.purge(op_id, session=session)
                session.commit()
                return action
            except TombstoneError as error:
                session.rollback()
                return f"{action}:{error.code}"

    return race(len(actions), act)


@pytest.mark.parametrize("db_kind", ("sqlite", *SERVERS))
@pytest.mark.parametrize(
    "actions",
    [["restore"] * 8, ["purge"] * 6, ["restore", "purge"] * 4],
    ids=["restores", "purges", "restores-and-purges"],
)
def test_concurrent_restores_and_purges_of_one_operation_one_wins(
    db_kind: str,
    Session_: sessionmaker[Session],
    tombstone: Tombstone,
    world: World,
    actions: list[str],
) -> None:
    """Restores and purges of one deletion racing: exactly one acts, the others are refused
    with a conflict, and the log holds exactly one settling operation (issue 10, item 2)."""
    with Session_() as session:
        op = tombstone.delete(type(world.alpha), ids=[world.alpha.id], session=session)
        session.commit()
        op_id, counts = op.id, dict(op.counts)
    assert counts.get("Item", 0) >= 2  # items with tags: their links are journaled
    outcomes = Counter(settle_race(Session_, tombstone, actions, op_id))
    winners = {name: n for name, n in outcomes.items() if ":" not in name}
    assert sum(winners.values()) == 1, outcomes
    assert set(outcomes) - set(winners) <= {"restore:settled", "purge:settled"}, outcomes
    with Session_() as session:
        settling = session.scalars(select(Operation.kind).where(Operation.ref_op == op_id)).all()
        assert settling == list(winners), settling
        items = select(func.count()).select_from(Item).where(Item.project_id == world.alpha.id)
        live = session.scalar(items)
        every = session.scalar(items.execution_options(include_deleted=True))
        if "restore" in winners:
            assert live == every == counts["Item"]
        else:
            assert live == every == 0


@pytest.mark.parametrize("db_kind", ("sqlite", *SERVERS))
def test_concurrent_chunked_purges_share_one_purge_operation(
    db_kind: str,
    Session_: sessionmaker[Session],
    tombstone: Tombstone,
    world: World,
) -> None:
    """Chunked purges of one deletion take turns chunk by chunk: one purge operation, whose
    counts are every row removed once."""
    with Session_() as session:
        project = session.get(type(world.alpha), world.alpha.id)
        session.add_all(Item(name=f"bulk{i}", project=project) for i in range(40))
        session.commit()
        op = tombstone.delete(type(world.alpha), ids=[world.alpha.id], session=session)
        session.commit()
        op_id, counts = op.id, dict(op.counts)

    def purge_it() -> str:
        with Session_() as session:
            try:
                tombstone.purge(op_id, chunk_size=4, session=session)
                return "purged"
            except TombstoneError as error:
                session.rollback()
                return error.code

    outcomes = Counter(race(3, purge_it))
    assert outcomes["purged"] >= 1 and set(outcomes) <= {"purged", "settled"}, outcomes
    with Session_() as session:
        purges = session.scalars(select(Operation).where(Operation.ref_op == op_id)).all()
        assert [p.kind for p in purges] == ["purge"], purges
        assert purges[0].status == "done"
        assert purges[0].counts["Item"] == counts["Item"]
        assert purges[0].counts == {k: v for k, v in counts.items() if v}
        left = select(func.count()).select_from(Item).execution_options(include_deleted=True)
        assert session.scalar(left.where(Item.project_id == world.alpha.id)) == 0
