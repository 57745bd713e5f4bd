"""unique_live: trashed rows do not hold their unique values; live rows still collide."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_tombstone.core import Tombstone

from .conftest import World
from .models import User


def test_live_rows_collide(session: Session, tombstone: Tombstone, world: World) -> None:
    session.add(User(name="ann2", email="ann@example.com"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_trashed_rows_free_their_value(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    world.beta.owner = world.ann
    session.commit()
    tombstone.delete(world.bob)
    session.commit()
    session.add(User(name="new bob", email="bob@example.com"))
    session.commit()
    tombstone.delete(session.scalars(select(User).where(User.name == "new bob")).one())
    session.commit()
    session.add(User(name="third bob", email="bob@example.com"))  # two trashed, one live
    session.commit()
    emails = session.scalars(
        select(User.email)
        .where(User.email == "bob@example.com")
        .execution_options(include_deleted=True)
    ).all()
    assert len(emails) == 3
