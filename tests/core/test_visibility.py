"""Trashed rows are hidden from every ORM path, with explicit opt-outs."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from flask_tombstone.core import Tombstone

from .conftest import World
from .models import Comment, Item, Project, Tag


def test_select_get_and_identity_map(session: Session, tombstone: Tombstone, world: World) -> None:
    item = world.items[0]
    item_id = item.id
    tombstone.delete(item)
    # the instance left the identity map: get() asks the database, which hides the row
    assert session.get(Item, item_id) is None
    assert item_id not in session.scalars(select(Item.id)).all()
    session.commit()
    assert session.get(Item, item_id) is None


def test_include_and_only_deleted(session: Session, tombstone: Tombstone, world: World) -> None:
    tombstone.delete(world.items[0])
    session.commit()
    everything = select(Item).execution_options(include_deleted=True)
    trashed = select(Item).execution_options(only_deleted=True)
    assert len(session.scalars(everything).all()) == 5
    assert [i.name for i in session.scalars(trashed)] == ["item0"]
    assert session.get(Item, world.items[0].id, execution_options={"include_deleted": True})


def test_joins_hide_trashed_rows_in_the_on_clause(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.items[0])
    session.commit()
    inner = session.scalars(select(Project.name).join(Project.items)).all()
    assert sorted(inner) == ["alpha", "alpha", "beta", "beta"]
    outer = session.execute(
        select(Project.name, func.count(Item.id)).outerjoin(Project.items).group_by(Project.name)
    ).all()
    assert dict(outer) == {"alpha": 2, "beta": 2}
    alias = aliased(Item)
    assert session.scalar(select(func.count(alias.id))) == 4


def test_relationship_lazy_and_eager_loads(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.items[1])
    tombstone.delete(world.red)
    session.commit()
    session.expire_all()
    alpha = session.get(Project, world.alpha.id)
    assert alpha is not None and [i.name for i in alpha.items] == ["item0", "item2"]
    session.expunge_all()
    for option in (selectinload, joinedload):
        project = (
            session.scalars(
                select(Project).where(Project.id == world.alpha.id).options(option(Project.items))
            )
            .unique()
            .one()
        )
        assert [i.name for i in project.items] == ["item0", "item2"]
        session.expunge_all()
    item = session.scalars(
        select(Item).options(selectinload(Item.tags)).where(Item.id == world.items[0].id)
    ).one()
    assert item.tags == []  # many-to-many through the association table
    item2 = session.get(Item, world.items[2].id)
    assert item2 is not None and [t.name for t in item2.tags] == ["blue"]


def test_comments_of_trashed_item_hidden_from_other_paths(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.items[0])
    session.commit()
    bodies = session.scalars(select(Comment.body).join(Comment.item)).all()
    assert "on item0" not in bodies and len(bodies) == 8


def test_bulk_update_never_writes_to_trashed_rows(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.items[0])
    session.commit()
    result = session.execute(update(Item).values(status="archived"))
    session.commit()
    assert result.rowcount == 4  # type: ignore[attr-defined]
    trashed = session.scalar(
        select(Item.status)
        .where(Item.id == world.items[0].id)
        .execution_options(include_deleted=True)
    )
    assert trashed == "open"


def test_tag_hidden_from_queries_but_kept(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.blue)
    session.commit()
    assert session.scalars(select(Tag.name)).all() == ["red"]
