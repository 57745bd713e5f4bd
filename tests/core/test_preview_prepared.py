"""The preview of a soft delete by keys on statements built once (issue 11) answers exactly as
the general preview does — counts, samples, confirm token — for every actor, the statement
reused with another actor's criteria; and falls back to the general preview, which lists
them, when something blocks."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from flask_tombstone.core import Tombstone
from flask_tombstone.core.preview import build_preview

from .conftest import World
from .models import Comment, Item, Project
from .test_single_row import Account, owner_rule


@pytest.mark.parametrize("size", [0, 1, 5])
def test_the_prepared_preview_answers_as_the_general_one(
    session: Session, tombstone: Tombstone, world: World, size: int, db_kind: str
) -> None:
    tombstone.permission = owner_rule([])
    ann, bob = Account(world.ann.id, "member"), Account(world.bob.id, "member")
    wrap = db_kind == "mariadb"
    for _ in range(2):  # the second time on the statements built the first
        for actor in (ann, bob, Account(world.ann.id, "admin")):
            for target in [*world.items, world.alpha, world.comments[0]]:
                prepared = tombstone.preview(target, actor=actor, sample_size=size).as_dict()
                plan = tombstone.plan(target)
                expected = build_preview(
                    session,
                    plan,
                    wrap=wrap,
                    sample_size=size,
                    permission=tombstone.permission,
                    actor=actor,
                ).as_dict()
                assert prepared == expected, (actor, target)
    assert tombstone.preview(world.items[0], actor=bob).blocked  # ann's project: listed
    assert tombstone.preview(world.items[4], actor=bob).counts == {"Item": 1, "Comment": 2}


def test_a_preview_by_ids_of_several_rows(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    ids = [item.id for item in world.items[:3]]
    preview = tombstone.preview(Item, ids=ids, session=session)
    assert preview.counts == {"Item": 3, "Comment": 6} and not preview.blocked
    op = tombstone.delete(Item, ids=ids, expect=preview.token, session=session)
    assert op.counts == {"Item": 3, "Comment": 6}
    assert session.get(Comment, world.comments[0].id) is None
    assert session.get(Project, world.alpha.id) is not None
