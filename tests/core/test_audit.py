"""The operations log is append-only and sealed into a verifiable hash chain."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from flask_tombstone.core import Operation, Tombstone

from .conftest import World
from .models import Item


def make_operations(session: Session, tombstone: Tombstone, world: World) -> list[Operation]:
    ops = [tombstone.delete(item) for item in world.items[:3]]
    ops.append(tombstone.restore(ops[0].id, session=session))
    session.commit()
    return ops


def raw(session: Session, statement: object) -> None:
    session.execute(statement, execution_options={"tombstone_internal": True})  # type: ignore[call-overload]
    session.commit()


def test_seal_and_verify(session: Session, tombstone: Tombstone, world: World) -> None:
    make_operations(session, tombstone, world)
    assert tombstone.seal(session=session) == 4
    session.commit()
    assert tombstone.seal(session=session) == 0
    result = tombstone.verify(session=session)
    assert result.ok and result.checked == 4
    tombstone.delete(world.items[4])
    session.commit()
    assert tombstone.seal(session=session) == 1
    session.commit()
    assert tombstone.verify(session=session).checked == 5


def test_verify_finds_an_edit(session: Session, tombstone: Tombstone, world: World) -> None:
    ops = make_operations(session, tombstone, world)
    tombstone.seal(session=session)
    session.commit()
    raw(session, update(Operation).where(Operation.id == ops[1].id).values(actor="mallory"))
    result = tombstone.verify(session=session)
    assert (result.ok, result.operation_id, result.problem) == (False, ops[1].id, "tampered")


def test_verify_finds_a_removal(session: Session, tombstone: Tombstone, world: World) -> None:
    ops = make_operations(session, tombstone, world)
    tombstone.seal(session=session)
    session.commit()
    raw(session, delete(Operation.__table__).where(Operation.__table__.c.id == ops[1].id))  # type: ignore[attr-defined]
    result = tombstone.verify(session=session)
    assert (result.ok, result.seal_seq, result.problem) == (False, 2, "missing")


def test_verify_finds_a_reordering(session: Session, tombstone: Tombstone, world: World) -> None:
    ops = make_operations(session, tombstone, world)
    tombstone.seal(session=session)
    session.commit()
    table = Operation.__table__
    raw(session, text(f"UPDATE {table.name} SET seal_seq = 100 WHERE id = {ops[1].id}"))  # type: ignore[attr-defined]
    raw(session, text(f"UPDATE {table.name} SET seal_seq = 2 WHERE id = {ops[2].id}"))  # type: ignore[attr-defined]
    raw(session, text(f"UPDATE {table.name} SET seal_seq = 3 WHERE id = {ops[1].id}"))  # type: ignore[attr-defined]
    result = tombstone.verify(session=session)
    assert not result.ok and result.problem in ("reordered", "tampered")
    assert result.seal_seq == 2


@pytest.mark.parametrize("db_kind", ["postgresql", "mariadb"])
def test_concurrent_sealers_build_one_chain(
    db_kind: str,
    Session_: Any,
    tombstone: Tombstone,
    world: World,
) -> None:
    with Session_() as session:
        for item in world.items:
            tombstone.delete(Item, ids=[item.id], session=session)
        session.commit()
    results: list[int] = []
    errors: list[BaseException] = []

    def seal() -> None:
        with Session_() as session:
            try:
                results.append(tombstone.seal(session=session))
                session.commit()
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=seal) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(results) == 5
    with Session_() as session:
        result = tombstone.verify(session=session)
        assert result.ok and result.checked == 5
