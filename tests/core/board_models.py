"""Boards, cards, notes and pins, with an owner's permission hook: the models of the
one-statement and permission-key tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, ForeignKey, Integer, MetaData, String, exists
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from flask_tombstone.core import SoftDeleteMixin, Tombstone
from flask_tombstone.core.records import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Owner(Base):
    __tablename__ = "os_owner"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Board(SoftDeleteMixin, Base):
    __tablename__ = "os_board"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(ForeignKey("os_owner.id"))


class Card(SoftDeleteMixin, Base):
    __tablename__ = "os_card"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    board_id: Mapped[int] = mapped_column(ForeignKey("os_board.id", ondelete="CASCADE"))


class Note(SoftDeleteMixin, Base):
    __tablename__ = "os_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(String(40))
    card_id: Mapped[int] = mapped_column(ForeignKey("os_card.id", ondelete="CASCADE"))


class Pin(SoftDeleteMixin, Base):
    """A live pin refuses its card's deletion (RESTRICT)."""

    __tablename__ = "os_pin"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    card_id: Mapped[int] = mapped_column(ForeignKey("os_card.id", ondelete="RESTRICT"))


@dataclass(frozen=True)
class Actor:
    id: int

    @property
    def tombstone_actor(self) -> str:
        return f"owner:{self.id}"


def owns(actor: Any, model: type) -> ColumnElement[bool] | None:
    """An owner deletes the cards and notes of their boards (correlated ``EXISTS``)."""
    if actor is None:
        return None
    if model is Card:
        return exists().where(Board.id == Card.board_id, Board.owner_id == actor.id)
    if model is Note:
        return exists().where(
            Card.id == Note.card_id,
            exists().where(Board.id == Card.board_id, Board.owner_id == actor.id),
        )
    return None


def board_sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """The boards' tables, filled (ann owns board 1 with cards 1-4, bob board 2 with cards
    5-6, three notes per card, a pin on card 4); dropped after."""
    Tombstone(Base)  # the engine's tables into this metadata
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        ann, bob = Owner(id=1, name="ann"), Owner(id=2, name="bob")
        session.add_all([ann, bob])
        session.flush()  # no relationships: the unit of work does not order the tables
        session.add_all(
            [Board(id=1, name="ann's", owner_id=1), Board(id=2, name="bob's", owner_id=2)]
        )
        session.flush()
        session.add_all(
            Card(id=card, name=f"card {card}", board_id=1 if card <= 4 else 2)
            for card in range(1, 7)
        )
        session.flush()
        session.add_all(
            Note(id=card * 10 + n, body=f"note {n}", card_id=card)
            for card in range(1, 7)
            for n in range(3)
        )
        session.add(Pin(id=1, name="pinned", card_id=4))
        session.commit()
    yield sessionmaker(bind=engine, expire_on_commit=False)
    Base.metadata.drop_all(engine)


ANN, BOB = Actor(1), Actor(2)
