"""A primary key of a custom type: SQLAlchemy's "backend-agnostic GUID" recipe (a
``TypeDecorator`` over ``CHAR(32)``). What its ``process_bind_param`` refuses is no key: an
``InvalidTarget`` before any statement, never the raw ``StatementError`` SQLAlchemy raises
as it sends one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import CHAR, ForeignKey, String, TypeDecorator, select
from sqlalchemy.orm import Mapped, mapped_column

from flask_tombstone.core import InvalidTarget, SoftDeleteMixin

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


class GUID(TypeDecorator[uuid.UUID]):
    """The recipe, as its documentation writes it (minus the PostgreSQL branch)."""

    impl = CHAR(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return value
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(value)
        return f"{value.int:032x}"

    def process_result_value(self, value: Any, dialect: Any) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(value)


KEYS = [uuid.UUID(int=n) for n in (1, 2, 3)]


def tickets(world: World) -> tuple[Any, Any]:
    class Ticket(SoftDeleteMixin, world.Base):
        __tablename__ = "ck_ticket"
        id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True)
        title: Mapped[str] = mapped_column(String(40))

    class Reply(SoftDeleteMixin, world.Base):
        __tablename__ = "ck_reply"
        id: Mapped[int] = mapped_column(primary_key=True)
        ticket_id: Mapped[uuid.UUID] = mapped_column(
            GUID, ForeignKey("ck_ticket.id", ondelete="CASCADE")
        )

    return Ticket, Reply


@pytest.mark.parametrize("ids", [["nope"], [5], [1.5], [None], ["1" * 40]], ids=repr)
def test_what_the_type_refuses_is_no_key(world: World, ids: list[Any]) -> None:
    Ticket, _Reply = tickets(world)
    with world.create() as session:
        session.add_all(Ticket(id=key, title=f"t{n}") for n, key in enumerate(KEYS))
        session.commit()
        for call in (world.ts.delete, world.ts.preview):
            with pytest.raises(InvalidTarget, match=r"ck_ticket\.id"):
                call(Ticket, ids=ids, session=session)
            session.rollback()
        assert len(live(session, Ticket)) == 3


def test_keys_as_the_type_takes_them_delete_and_restore(world: World) -> None:
    Ticket, Reply = tickets(world)
    with world.create() as session:
        session.add_all(Ticket(id=key, title=f"t{n}") for n, key in enumerate(KEYS))
        session.flush()  # no relationship orders the inserts
        session.add_all(Reply(id=n, ticket_id=KEYS[n % 2]) for n in range(1, 5))
        session.commit()
        op = world.ts.delete(Ticket, ids=[KEYS[0], str(KEYS[1])], session=session)
        session.commit()
        assert op.counts == {"Ticket": 2, "Reply": 4}
        assert session.scalars(select(Ticket.id)).all() == [KEYS[2]]
        world.ts.restore(op.id, session=session)
        session.commit()
        assert sorted(session.scalars(select(Ticket.id))) == KEYS
