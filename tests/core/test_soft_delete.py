"""Soft delete: stamping, cascades, RESTRICT, SET_NULL untouched, already-trashed rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_tombstone.core import (
    AlreadyGone,
    Blocked,
    InvalidTarget,
    NotFound,
    Operation,
    PlanChanged,
    Protected,
    Tombstone,
)

from .conftest import World
from .models import Comment, Item, LegalHold, Project, Tag, User


def count(session: Session, model: type, **options: bool) -> int:
    query = select(func.count()).select_from(model).execution_options(**options)
    return int(session.scalar(query) or 0)


def stamps(session: Session, model: type) -> dict[int, int | None]:
    rows = session.execute(
        select(model.id, model.deleted_by_op).execution_options(include_deleted=True)
    )
    return {row[0]: row[1] for row in rows}


def test_delete_instance_stamps_row_and_cascade(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    item = world.items[0]
    op = tombstone.delete(item, actor="ann", reason="duplicate")
    session.commit()
    assert op.kind == "delete" and op.status == "done"
    assert op.counts == {"Item": 1, "Comment": 2}
    assert op.actor == "ann" and op.reason == "duplicate"
    assert stamps(session, Item)[item.id] == op.id
    comment_stamps = stamps(session, Comment)
    assert [comment_stamps[c.id] for c in world.comments[:2]] == [op.id, op.id]
    assert all(comment_stamps[c.id] is None for c in world.comments[2:])
    assert item.deleted_at is not None and item.deleted_by_op == op.id


def test_project_cascade_reaches_grandchildren_and_replies(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    op = tombstone.delete(world.alpha)
    session.commit()
    assert op.counts == {"Project": 1, "Item": 3, "Comment": 6}
    assert count(session, Item) == 2
    assert count(session, Comment) == 4


def test_set_null_links_are_left_alone_by_soft_delete(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    # bob is assignee of items 1 and 3; he owns beta, so move beta to ann first
    world.beta.owner = world.ann
    session.commit()
    tombstone.delete(world.bob)
    session.commit()
    assignees = session.scalars(
        select(Item.assignee_id).where(Item.id.in_([world.items[1].id, world.items[3].id]))
    ).all()
    assert assignees == [world.bob.id, world.bob.id]
    # ...but the loaders hide the trashed user
    session.expire_all()
    assert session.get(Item, world.items[1].id).assignee is None  # type: ignore[union-attr]


def test_restrict_blocks_with_every_blocker_and_writes_nothing(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    before = session.scalar(select(func.count()).select_from(Operation))
    with pytest.raises(Blocked) as caught:
        tombstone.delete(User, ids=[world.ann.id, world.bob.id], session=session)
    session.commit()
    error = caught.value
    assert error.total == 2 and error.status == 409
    assert {(b.row.model, b.row.label, b.via) for b in error.blockers} == {
        ("Project", "alpha", "Project.owner_id"),
        ("Project", "beta", "Project.owner_id"),
    }
    assert error.extensions()["blocker_count"] == 2
    assert count(session, User) == 2
    assert session.scalar(select(func.count()).select_from(Operation)) == before


def test_restrict_satisfied_when_dependents_go_in_the_same_operation(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    # Projects RESTRICT their owner; once the project is trashed, the owner can go.
    tombstone.delete(world.beta)
    op = tombstone.delete(world.bob)
    session.commit()
    assert op.counts == {"User": 1}


def test_already_trashed_rows_are_left_to_their_operation(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    first = tombstone.delete(world.items[0])
    second = tombstone.delete(world.alpha)
    session.commit()
    assert second.counts == {"Project": 1, "Item": 2, "Comment": 4}
    assert stamps(session, Item)[world.items[0].id] == first.id


def test_deleting_twice_says_already_gone(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    item_id = world.items[0].id
    tombstone.delete(Item, ids=[item_id], session=session)
    session.commit()
    with pytest.raises(AlreadyGone) as caught:
        tombstone.delete(Item, ids=[item_id], session=session)
    assert caught.value.status == 404 and caught.value.ids == (item_id,)
    with pytest.raises(NotFound):
        tombstone.delete(Item, ids=[987654], session=session)


def test_replies_taken_along_do_not_count_as_rows_asked_for(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    """Asked for a top comment and an already-trashed one: the top comment's reply is taken
    along, which makes two rows, yet one asked-for row was already gone."""
    top, reply, gone = (comment.id for comment in world.comments[:3])
    tombstone.delete(Comment, ids=[gone], session=session)
    session.commit()
    with pytest.raises(AlreadyGone) as caught:
        tombstone.delete(Comment, ids=[top, gone], session=session)
    assert caught.value.ids == (gone,)
    session.rollback()
    op = tombstone.delete(Comment, ids=[top], session=session)
    session.commit()
    assert op.counts == {"Comment": 2}
    assert stamps(session, Comment)[reply] == op.id


def test_bulk_by_filter_and_by_ids(session: Session, tombstone: Tombstone, world: World) -> None:
    op = tombstone.delete(select(Item).where(Item.status == "done"), session=session)
    session.commit()
    assert op.counts["Item"] == 2
    assert op.target["filter"]
    assert sorted(session.scalars(select(Item.name))) == ["item0", "item2", "item4"]
    op2 = tombstone.delete(Item, ids=[world.items[0].id, world.items[2].id], session=session)
    session.commit()
    assert op2.counts["Item"] == 2 and op2.target == {"ids": [world.items[0].id, world.items[2].id]}


def test_bulk_filter_with_join_and_limit(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    query = (
        select(Item).join(Item.project).where(Project.name == "alpha").order_by(Item.id).limit(2)
    )
    op = tombstone.delete(query, session=session)
    session.commit()
    assert op.counts["Item"] == 2
    assert sorted(session.scalars(select(Item.name))) == ["item2", "item3", "item4"]


def test_bulk_without_filter_is_refused(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    with pytest.raises(InvalidTarget):
        tombstone.delete(select(Item), session=session)
    assert count(session, Item) == 5


def test_protected_rows_block_and_protected_models_refuse(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    hold = LegalHold(note="litigation", project_id=world.alpha.id)
    session.add(hold)
    session.commit()
    with pytest.raises(Blocked) as caught:
        tombstone.delete(world.alpha)
    assert caught.value.blockers[0].reason == "protected"
    with pytest.raises(Protected):
        tombstone.delete(hold)
    with pytest.raises(Protected):
        tombstone.delete(Operation, ids=[1], session=session)


def test_many_to_many_rows_hidden_but_links_kept(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.red)
    session.commit()
    session.expire_all()
    item = session.get(Item, world.items[0].id)
    assert item is not None and item.tags == []
    assert count(session, Tag, include_deleted=True) == 2


def test_chunked_bulk_delete_commits_per_chunk_and_resumes(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    query = select(Item).where(Item.name.like("item%"))
    op = tombstone.delete(query, chunk_size=2, session=session)
    assert op.status == "done" and op.counts == {"Item": 5, "Comment": 10}
    assert op.effects == {"chunk_cursor": max(i.id for i in world.items)}
    session.rollback()  # it committed as it went: nothing to roll back
    assert count(session, Item) == 0
    tombstone.restore(op.id, session=session)
    session.commit()
    assert count(session, Comment) == 10


def test_a_chunked_delete_checks_the_confirm_token_before_its_first_chunk(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    query = select(Item).where(Item.name.like("item%"))
    token = tombstone.preview(query, session=session).token
    with pytest.raises(PlanChanged):
        tombstone.delete(query, chunk_size=2, expect="0" * 32, session=session)
    session.rollback()
    session.add(Item(name="item 6", project_id=world.items[0].project_id))
    session.commit()  # one more row matches since the preview
    with pytest.raises(PlanChanged):
        tombstone.delete(query, chunk_size=2, expect=token, session=session)
    session.rollback()
    assert count(session, Item) == 6  # nothing committed
    assert session.scalar(select(func.count()).select_from(Operation)) == 0
    token = tombstone.preview(query, session=session).token
    op = tombstone.delete(query, chunk_size=2, expect=token, session=session)
    assert op.counts["Item"] == 6 and count(session, Item) == 0
    with pytest.raises(InvalidTarget, match="checked when a chunked delete starts"):
        tombstone.delete(query, chunk_size=2, resume=op.id, expect=token, session=session)


def test_chunked_delete_interrupted_then_resumed(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    from sqlalchemy import event

    bind = session.get_bind()
    updates = {"n": 0}

    def stop_in_second_chunk(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("UPDATE comment"):
            updates["n"] += 1
            if updates["n"] == 3:  # chunk 1: comment + replies loop (2 statements)
                raise RuntimeError("power cut")

    event.listen(bind, "before_cursor_execute", stop_in_second_chunk)
    query = select(Item).where(Item.name.like("item%"))
    try:
        with pytest.raises(RuntimeError):
            tombstone.delete(query, chunk_size=2, session=session)
    finally:
        event.remove(bind, "before_cursor_execute", stop_in_second_chunk)
    session.rollback()
    running = session.scalars(select(Operation)).one()
    assert running.status == "running" and running.counts == {"Item": 2, "Comment": 4}
    assert count(session, Item) == 3  # the first chunk whole, nothing of the second
    op = tombstone.delete(query, chunk_size=2, resume=running.id, session=session)
    assert op.id == running.id and op.counts == {"Item": 5, "Comment": 10}
    assert count(session, Item) == 0 and count(session, Comment) == 0


def test_chunked_delete_checks_blockers_before_the_first_chunk(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    with pytest.raises(Blocked):
        tombstone.delete(select(User).where(User.name != ""), chunk_size=1, session=session)
    session.rollback()
    assert count(session, User) == 2
    assert session.scalar(select(func.count()).select_from(Operation)) == 0


@pytest.mark.parametrize("ids", [None, [0]], ids=["empty-filter", "missing-id"])
def test_chunked_delete_of_nothing_writes_no_operation(
    session: Session, tombstone: Tombstone, world: World, ids: list[int] | None
) -> None:
    """Found by the argument property test: a chunked delete that matched nothing committed
    its 'running' operation before finding so, then raised NotFound."""
    target = select(Item).where(Item.name == "nobody") if ids is None else Item
    with pytest.raises(NotFound):
        tombstone.delete(target, ids=ids, chunk_size=1, session=session)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Operation)) == 0
    assert count(session, Item) == len(world.items)
