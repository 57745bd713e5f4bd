"""Preview: the same planner counting instead of writing; the confirm token."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from flask_tombstone.core import Operation, PlanChanged, Tombstone

from .conftest import World
from .models import Comment, Item, User


def test_preview_counts_samples_and_writes_nothing(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    plan = tombstone.preview(world.alpha, sample_size=2)
    assert plan.mode == "soft" and plan.model == "Project"
    assert plan.counts == {"Project": 1, "Item": 3, "Comment": 6}
    assert plan.total == 10 and not plan.blocked
    assert [r.label for r in plan.samples["Item"]] == ["item0", "item1"]
    assert plan.token and plan.as_dict()["counts"]["Comment"] == 6
    assert session.scalar(select(func.count()).select_from(Operation)) == 0
    # the preview counts exactly what the delete then does
    op = tombstone.delete(world.alpha, expect=plan.token)
    assert op.counts == plan.counts


def test_preview_lists_blockers(session: Session, tombstone: Tombstone, world: World) -> None:
    plan = tombstone.preview(world.ann)
    assert plan.blocked and plan.blocker_count == 1
    (blocker,) = plan.blockers
    assert (blocker.reason, blocker.row.label, blocker.target and blocker.target.label) == (
        "restrict",
        "alpha",
        "ann",
    )


def test_hard_preview_shows_effects(session: Session, tombstone: Tombstone, world: World) -> None:
    world.beta.owner = world.ann
    session.commit()
    plan = tombstone.preview(world.bob, hard=True)
    assert plan.mode == "hard" and plan.effects == {"Item.assignee_id": 2}
    plan = tombstone.preview(world.items[0], hard=True)
    assert plan.effects == {"item_tag": 1}


def test_stale_token_is_a_conflict_and_changes_nothing(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    plan = tombstone.preview(world.alpha)
    session.add(Comment(body="late", item_id=world.items[0].id))
    session.commit()
    with pytest.raises(PlanChanged) as caught:
        tombstone.delete(world.alpha, expect=plan.token)
    assert caught.value.status == 409
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Item)) == 5
    assert session.scalar(select(func.count()).select_from(Operation)) == 0
    fresh = tombstone.preview(world.alpha)
    assert fresh.token != plan.token and fresh.counts["Comment"] == 7
    tombstone.delete(world.alpha, expect=fresh.token)


def test_token_ignores_rows_outside_the_plan(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    plan = tombstone.preview(world.alpha)
    session.add(User(name="carol", email="carol@example.com"))
    session.commit()
    assert tombstone.preview(world.alpha).token == plan.token


def test_preview_statement_count_does_not_depend_on_rows(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    statements: list[str] = []
    bind = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(bind, "before_cursor_execute", count)
    try:
        tombstone.preview(world.alpha)
        small = len(statements)
        session.add_all([Item(name=f"more{i}", project_id=world.alpha.id) for i in range(50)])
        session.commit()
        statements.clear()
        tombstone.preview(world.alpha)
        assert len(statements) == small
    finally:
        event.remove(bind, "before_cursor_execute", count)
