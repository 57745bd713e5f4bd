"""The tutorials' own deletion code, on a plain SQLAlchemy session, goes through the engine."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import Blocked, Operation, Protected, Tombstone

from .conftest import World
from .models import Comment, Item, LegalHold, User


def operations(session: Session) -> list[Operation]:
    return list(session.scalars(select(Operation).order_by(Operation.id)))


def test_session_delete_soft_deletes_with_cascade(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    item = session.get(Item, world.items[0].id)
    session.delete(item)
    session.commit()
    (op,) = operations(session)
    assert op.kind == "delete" and op.counts == {"Item": 1, "Comment": 2}
    assert session.get(Item, world.items[0].id) is None
    assert (
        session.scalar(
            select(func.count()).select_from(Item).execution_options(include_deleted=True)
        )
        == 5
    )


def test_seed_003_loop_runs_unchanged(
    Session_: sessionmaker[Session],
    tombstone: Tombstone,
    world: World,
) -> None:
    # ../shared/seeds/003: query, session.delete(record) in a loop, commit, rollback on error
    session = Session_()
    try:
        records_to_delete = session.query(Item).filter(Item.status == "done").all()
        for record in records_to_delete:
            session.delete(record)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        raise
    finally:
        session.close()
    with Session_() as check:
        assert sorted(check.scalars(select(Item.name))) == ["item0", "item2", "item4"]
        (op,) = operations(check)
        assert op.counts == {"Item": 2, "Comment": 4}


def test_query_delete_and_delete_statement(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    n = session.query(Item).filter(Item.status == "done").delete()
    session.commit()
    assert n == 2
    n = session.query(Item).filter_by(id=world.items[0].id).delete()
    session.commit()
    assert n == 1
    result = session.execute(delete(Comment).where(Comment.body.like("%item4")))
    session.commit()
    assert result.rowcount == 2  # type: ignore[attr-defined]
    assert [op.counts for op in operations(session)] == [
        {"Item": 2, "Comment": 4},
        {"Item": 1, "Comment": 2},
        {"Comment": 2},
    ]
    assert session.query(Item).filter_by(id=world.items[0].id).delete() == 0  # already gone


def test_drop_in_respects_restrict(session: Session, tombstone: Tombstone, world: World) -> None:
    session.delete(session.get(User, world.ann.id))
    with pytest.raises(Blocked):
        session.commit()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User)) == 2
    assert operations(session) == []


def test_protected_rows_cannot_be_deleted_at_all(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    hold = LegalHold(note="hold", project_id=world.beta.id)
    session.add(hold)
    session.commit()
    session.delete(hold)
    with pytest.raises(Protected):
        session.commit()
    session.rollback()
    with pytest.raises(Protected):
        session.execute(delete(LegalHold))
    session.rollback()
    tombstone.delete(world.items[0])
    session.commit()
    with pytest.raises(Protected):
        session.execute(delete(Operation))
    session.rollback()
    assert len(operations(session)) == 1
