"""Engine fixtures: a fresh schema of the test models per test, a session, a Tombstone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import Tombstone

from .models import Base, Comment, Item, Project, Tag, User


@pytest.fixture
def schema(engine: Engine) -> Iterator[Engine]:
    ts = Tombstone(Base)  # adds the engine's tables to Base.metadata
    assert ts.metadata is Base.metadata
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


@pytest.fixture
def Session_(schema: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=schema, expire_on_commit=False)


@pytest.fixture
def tombstone(Session_: sessionmaker[Session]) -> Tombstone:
    return Tombstone(Base, session=Session_)


@pytest.fixture
def session(Session_: sessionmaker[Session], tombstone: Tombstone) -> Iterator[Session]:
    with Session_() as s:
        yield s


class World:
    """A small graph of rows: two users, projects, items, comments (one reply), tags."""

    def __init__(self, session: Session) -> None:
        self.ann = User(name="ann", email="ann@example.com")
        self.bob = User(name="bob", email="bob@example.com")
        self.alpha = Project(name="alpha", owner=self.ann)
        self.beta = Project(name="beta", owner=self.bob)
        self.red = Tag(name="red")
        self.blue = Tag(name="blue")
        self.items = [
            Item(
                name=f"item{i}",
                project=self.alpha if i < 3 else self.beta,
                assignee=self.bob if i % 2 else None,
                status="done" if i % 2 else "open",
                tags=[self.red] if i < 2 else [self.blue],
            )
            for i in range(5)
        ]
        session.add_all([self.ann, self.bob, self.alpha, self.beta, *self.items])
        session.flush()
        self.comments = []
        for item in self.items:
            top = Comment(body=f"on {item.name}", item=item)
            session.add(top)
            session.flush()
            reply = Comment(body=f"reply on {item.name}", item=item, parent_id=top.id)
            session.add(reply)
            self.comments += [top, reply]
        session.commit()


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


__all__ = ["Comment", "Item", "Project", "Tag", "User", "World"]
