"""A fresh declarative base per test, with the Tombstone created before any model is
declared (as an app that builds the extension first and imports its models after)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, event, select, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from flask_tombstone.core import Tombstone


class World:
    """A fresh declarative base, a Tombstone created before any model, and its session."""

    def __init__(self, engine: Engine) -> None:
        class Base(DeclarativeBase):
            metadata = MetaData()

        self.Base = Base
        self.engine = engine
        self.Session = sessionmaker(bind=engine, expire_on_commit=True)
        self.ts = Tombstone(Base, session=self.Session)

    def create(self) -> Session:
        self.Base.metadata.drop_all(self.engine)
        self.Base.metadata.create_all(self.engine)
        return self.Session()

    def rows(self, session: Session, table: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in session.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


def live(session: Session, model: Any) -> list[Any]:
    """The keys of ``model``'s rows ``session`` sees (a governed one: the live ones)."""
    return list(session.scalars(select(model.id).order_by(model.id)))


@pytest.fixture(name="world")
def world_fixture(engine: Engine) -> Iterator[World]:
    """The ``world`` fixture: a :class:`World` on ``engine`` (SQLite enforcing foreign keys),
    its tables dropped afterwards. Test modules import it
    (``from .fresh_world import World, world_fixture``)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _foreign_keys)
    made = World(engine)
    yield made
    made.Base.metadata.drop_all(engine)


def _foreign_keys(dbapi: Any, record: Any) -> None:
    dbapi.execute("PRAGMA foreign_keys=ON")
