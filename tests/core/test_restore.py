"""Restore: exactly what one operation stamped, conflicts listed, restore is an operation."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flask_tombstone.core import Conflict, NotFound, Operation, Tombstone

from .conftest import World
from .models import Comment, Item, Project, User


def live_names(session: Session, model: type) -> list[str]:
    column = model.body if model is Comment else model.name
    return sorted(session.scalars(select(column)))


def test_restore_brings_back_exactly_the_operation(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    separately = tombstone.delete(world.items[0])
    op = tombstone.delete(world.alpha)
    session.commit()
    restored = tombstone.restore(op.id, actor="ann", session=session)
    session.commit()
    assert restored.kind == "restore" and restored.ref_op == op.id
    assert restored.counts == {"Project": 1, "Item": 2, "Comment": 4}
    assert "item0" not in live_names(session, Item)  # deleted on its own: stays in the trash
    assert "item1" in live_names(session, Item)
    stamped = session.scalar(
        select(Item.deleted_by_op)
        .where(Item.id == world.items[0].id)
        .execution_options(include_deleted=True)
    )
    assert stamped == separately.id


def test_restore_twice_is_a_conflict(session: Session, tombstone: Tombstone, world: World) -> None:
    op = tombstone.delete(world.items[1])
    tombstone.restore(op.id, session=session)
    session.commit()
    with pytest.raises(Conflict, match="already restored"):
        tombstone.restore(op.id, session=session)
    with pytest.raises(NotFound):
        tombstone.restore(424242, session=session)


def test_restore_refuses_when_parent_is_trashed_by_another_operation(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    child = tombstone.delete(world.items[0])
    parent = tombstone.delete(world.alpha)
    session.commit()
    with pytest.raises(Conflict) as caught:
        tombstone.restore(child.id, session=session)
    (conflict,) = caught.value.conflicts
    assert conflict.reason == "parent_in_trash"
    assert conflict.other is not None and conflict.other.label == "alpha"
    assert conflict.other_operation == parent.id
    assert caught.value.extensions()["conflict_count"] == 1
    session.rollback()
    # ...or restores the parent's operation along when asked
    tombstone.restore(child.id, with_parents=True, session=session)
    session.commit()
    assert live_names(session, Item) == [f"item{i}" for i in range(5)]
    assert len(live_names(session, Comment)) == 10
    kinds = session.scalars(select(Operation.ref_op).where(Operation.kind == "restore")).all()
    assert sorted(kinds) == sorted([child.id, parent.id])


def test_restore_refuses_unique_value_taken_meanwhile(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    world.beta.owner = world.ann
    session.commit()
    op = tombstone.delete(world.bob)
    session.commit()
    session.add(User(name="bob2", email="bob@example.com"))  # allowed: bob is in the trash
    session.commit()
    with pytest.raises(Conflict) as caught:
        tombstone.restore(op.id, session=session)
    (conflict,) = caught.value.conflicts
    assert conflict.reason == "unique" and conflict.columns == ("email",)
    assert conflict.other is not None and conflict.other.label == "bob2"
    session.rollback()
    assert sorted(session.scalars(select(User.name))) == ["ann", "bob2"]


def test_restore_of_a_restore_or_hard_delete_is_refused(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    op = tombstone.delete(world.items[2])
    restored = tombstone.restore(op.id, session=session)
    hard = tombstone.delete(world.items[3], hard=True)
    session.commit()
    for other in (restored.id, hard.id):
        with pytest.raises(Conflict, match="only soft deletes"):
            tombstone.restore(other, session=session)


def test_restored_rows_are_visible_again_through_get(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    project_id = world.alpha.id
    op = tombstone.delete(world.alpha)
    session.commit()
    assert session.get(Project, project_id) is None
    tombstone.restore(op.id, session=session)
    session.commit()
    project = session.get(Project, project_id)
    assert project is not None and project.deleted_at is None
    assert len(project.items) == 3


def test_trash_and_restore_leave_onupdate_columns_alone(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    """``onupdate=`` (an ``updated_at``) would fire on the engine's UPDATEs: it must not, or
    a restore would not give back the rows exactly as they were."""
    item = world.items[0]
    item.name = "edited"
    session.commit()
    assert item.edited_at is not None
    session.execute(update(Item).where(Item.id != item.id).values(edited_at=None))
    session.commit()
    before = session.execute(
        select(Item.id, Item.edited_at).order_by(Item.id).execution_options(include_deleted=True)
    ).all()
    op = tombstone.delete(world.alpha, session=session)
    session.commit()
    trashed = session.execute(
        select(Item.id, Item.edited_at).order_by(Item.id).execution_options(include_deleted=True)
    ).all()
    assert trashed == before
    tombstone.restore(op.id, session=session)
    session.commit()
    after = session.execute(
        select(Item.id, Item.edited_at).order_by(Item.id).execution_options(include_deleted=True)
    ).all()
    assert after == before


# -- rows brought back by hand (deleted_at cleared, the stamp left) ------------------------------


def by_hand(session: Session, model: type, ids: list[int]) -> None:
    """What an admin's SQL does: the row is live again, its stamp left as it was."""
    back = update(model).where(model.id.in_(ids)).values(deleted_at=None)
    session.execute(back.execution_options(include_deleted=True))
    session.commit()


def test_a_row_brought_back_by_hand_is_neither_restored_nor_counted_again(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    op = tombstone.delete(world.alpha)
    session.commit()
    assert op.counts == {"Project": 1, "Item": 3, "Comment": 6}
    by_hand(session, Item, [world.items[0].id])
    restored = tombstone.restore(op.id, session=session)
    session.commit()
    assert {k: n for k, n in restored.counts.items() if n} == {
        "Project": 1,
        "Item": 2,
        "Comment": 6,
    }
    assert live_names(session, Item) == [f"item{i}" for i in range(5)]


def test_a_parent_brought_back_by_hand_leaves_its_children_to_the_restore(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    op = tombstone.delete(world.alpha)
    session.commit()
    by_hand(session, Project, [world.alpha.id])
    restored = tombstone.restore(op.id, session=session)
    session.commit()
    assert {k: n for k, n in restored.counts.items() if n} == {"Item": 3, "Comment": 6}
    assert len(live_names(session, Comment)) == 10


def test_a_deletion_brought_back_by_hand_entirely_has_nothing_to_restore(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    """Not an empty success (nor a clash of the row with itself on its live-unique e-mail)."""
    cat = User(name="cat", email="cat@example.com")
    session.add(cat)
    session.commit()
    for target, models in ((world.items[1], (Item, Comment)), (cat, (User,))):
        op = tombstone.delete(target)
        session.commit()
        for model in models:
            stamped = select(model.id).where(model.deleted_by_op == op.id)
            by_hand(
                session,
                model,
                list(session.scalars(stamped.execution_options(include_deleted=True))),
            )
        with pytest.raises(Conflict, match="nothing left to restore"):
            tombstone.restore(op.id, session=session)
        session.rollback()
        assert op.id not in session.scalars(select(tombstone.trash().subquery().c.id)).all()
    assert session.scalar(select(Operation.id).where(Operation.kind == "restore")) is None


def test_a_deletion_whose_rows_a_hard_delete_took_along_leaves_the_trash(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    """The item's deletion is in the trash; a hard delete of its project takes the trashed
    item along (documented): nothing is left to restore, so the trash no longer offers it."""
    item_op = tombstone.delete(world.items[0])
    other = tombstone.delete(world.items[3])
    session.commit()
    in_trash = select(tombstone.trash().subquery().c.id)
    assert set(session.scalars(in_trash)) == {item_op.id, other.id}
    tombstone.delete(world.alpha, hard=True, session=session)
    session.commit()
    assert session.scalars(in_trash).all() == [other.id]
