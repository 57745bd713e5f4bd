"""The trash (the extension's page, Taskboard's rules): scoped listing, exact restore, conflicts
in plain words, restore with parents, admins' purge."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from taskboard_support import World, live, raw, text_of, undo_op

from taskboard.extensions import db
from taskboard.models import Comment, Item, Operation, Project, Tag


def delete(person: Any, url: str, **data: str) -> int:
    response = person.confirm(url, data)
    assert response.status_code == 303, response.text
    op = undo_op(person.get("/projects"))
    assert op is not None
    return op


def test_each_user_sees_the_deletions_they_may_restore(
    app: Flask, browser: Any, world: World
) -> None:
    mia, otto, max_ = browser("mia"), browser("otto"), browser("max")
    alpha_op = delete(mia, f"/items/{world.alpha_item}/delete", reason="dupe")
    omega_op = delete(otto, f"/items/{world.omega_item}/delete")
    max_op = delete(max_, f"/items/{world.max_item}/delete")

    mine = mia.get("/trash")
    assert f'id="tombstone-op-{alpha_op}"' in mine.text
    assert f'id="tombstone-op-{max_op}"' in mine.text  # in a project mia owns
    assert f'id="tombstone-op-{omega_op}"' not in mine.text
    text = text_of(mine)
    assert "Item “Write spec” with 1 comment" in text
    assert "dupe" in text
    assert "mia" in text  # by name, not by account id
    assert f"user:{world.mia}" not in text

    theirs = max_.get("/trash")
    assert f'id="tombstone-op-{max_op}"' in theirs.text  # their own deletion, in their project
    # mia's, in a project max is a member of but does not own: seen (as in the log), not
    # max's to restore.
    assert f'id="tombstone-op-{alpha_op}"' in theirs.text
    assert f'action="/trash/{alpha_op}/restore"' not in theirs.text
    assert f'action="/trash/{max_op}/restore"' in theirs.text

    everything = browser("ada").get("/trash")
    for op in (alpha_op, omega_op, max_op):
        assert f'id="tombstone-op-{op}"' in everything.text
    assert f'action="/trash/{alpha_op}/purge"' in everything.text
    assert "/purge" not in mine.text


def test_trash_filter_by_kind(browser: Any, world: World) -> None:
    mia = browser("mia")
    item_op = delete(mia, f"/items/{world.max_item}/delete")
    tag_op = delete(mia, f"/tags/{world.alpha_tag}/delete")
    page = mia.get("/trash?kind=Tag")
    assert f'id="tombstone-op-{tag_op}"' in page.text
    assert f'id="tombstone-op-{item_op}"' not in page.text
    junk = mia.get("/trash?kind=Nonsense&page=zz")
    assert junk.status_code == 422  # named, never silently dropped
    assert "There is no kind “Nonsense”." in text_of(junk)


def test_restore_brings_back_exactly_that_deletion(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    comment_op = delete(mia, f"/comments/{world.alpha_comment}/delete")
    project_op = delete(mia, f"/projects/{world.alpha}/delete")
    assert live(app, Project, world.alpha) is None

    restored = mia.post(f"/trash/{project_op}/restore")
    assert restored.status_code == 303
    assert restored.headers["Location"] == "/trash"
    assert "Restored project “Alpha” with 2 items and 1 tag." in text_of(mia.get("/trash"))
    assert live(app, Project, world.alpha) is not None
    assert live(app, Item, world.alpha_item) is not None
    # The comment was deleted separately: it stays in the trash, under its own deletion.
    assert live(app, Comment, world.alpha_comment) is None
    assert raw(app, Comment, world.alpha_comment).deleted_by_op == comment_op


def test_restoring_twice_is_explained(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    op = delete(mia, f"/items/{world.max_item}/delete")
    assert mia.post(f"/trash/{op}/restore").status_code == 303
    again = mia.post(f"/trash/{op}/restore")
    assert again.status_code == 303
    assert "This deletion was already undone" in text_of(mia.get(again.headers["Location"]))
    undo_again = mia.post(f"/operations/{op}/undo", {"next": "/operations"})
    assert undo_again.status_code == 303
    assert "This deletion was already undone" in text_of(mia.get("/operations"))
    assert live(app, Item, world.max_item) is not None


def test_a_parent_in_the_trash_is_explained_and_both_can_come_back(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    comment_op = delete(mia, f"/comments/{world.alpha_comment}/delete")
    item_op = delete(mia, f"/items/{world.alpha_item}/delete")

    refused = mia.post(f"/trash/{comment_op}/restore")
    assert refused.status_code == 409
    text = text_of(refused)
    assert (
        "The comment “Looks good” belongs to item “Write spec”, which is in the trash: restore "
        "that first, or both together." in text
    )
    assert "Restore with item “Write spec”" in text
    assert live(app, Comment, world.alpha_comment) is None

    both = mia.post(f"/trash/{comment_op}/restore", {"with_parents": "1"})
    assert both.status_code == 303
    assert live(app, Item, world.alpha_item) is not None
    assert live(app, Comment, world.alpha_comment) is not None
    with app.app_context():
        restores = db.session.scalars(
            select(Operation.ref_op).where(Operation.kind == "restore").order_by(Operation.id)
        ).all()
        assert sorted(restores) == sorted([item_op, comment_op])  # one transaction


def test_restoring_together_needs_the_right_to_restore_the_parent(
    app: Flask, browser: Any, world: World
) -> None:
    max_, ada = browser("max"), browser("ada")
    comment_op = delete(max_, f"/comments/{world.alpha_comment}/delete")
    assert ada.confirm(f"/items/{world.alpha_item}/delete").status_code == 303
    refused = max_.post(f"/trash/{comment_op}/restore", {"with_parents": "1"})
    assert refused.status_code == 409
    assert "Restore with" not in refused.text
    assert live(app, Item, world.alpha_item) is None
    assert live(app, Comment, world.alpha_comment) is None


def test_a_taken_unique_value_is_explained(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    op = delete(mia, f"/tags/{world.alpha_tag}/delete")
    created = mia.post(f"/projects/{world.alpha}/tags", {"name": "bug"})
    assert created.status_code == 303
    refused = mia.post(f"/trash/{op}/restore")
    assert refused.status_code == 409
    text = text_of(refused)
    assert "The tag “bug” cannot come back: its project and name is now used by tag “bug”." in text
    with app.app_context():
        taken = db.session.scalar(
            select(Tag.id).where(Tag.name == "bug", Tag.project_id == world.alpha)
        )
    assert f'href="/tags/{taken}/edit"' in refused.text  # the row that took the name
    assert "Go to tag “bug”" in text
    assert live(app, Tag, world.alpha_tag) is None


def test_unknown_and_non_deletion_operations(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.post("/trash/999999/restore").status_code == 404
    op = delete(mia, f"/items/{world.max_item}/delete")
    assert mia.post(f"/trash/{op}/restore").status_code == 303
    with app.app_context():
        restore_op = db.session.scalar(select(Operation.id).where(Operation.kind == "restore"))
    response = mia.post(f"/trash/{restore_op}/restore")
    assert response.status_code == 303
    assert f"operation {restore_op} is a restore" in text_of(mia.get("/trash"))


def test_admins_purge_with_a_reason(app: Flask, browser: Any, world: World) -> None:
    mia, ada = browser("mia"), browser("ada")
    op = delete(mia, f"/projects/{world.alpha}/delete")

    # mia sees her deletion in the log but may not purge it (admins only): 403, as the API.
    assert mia.post(f"/trash/{op}/purge", {"reason": "cleanup"}).status_code == 403
    assert raw(app, Project, world.alpha) is not None

    no_reason = ada.post(f"/trash/{op}/purge", {"reason": ""})
    assert no_reason.status_code == 303
    assert "a purge is permanent" in text_of(ada.get("/trash"))
    assert raw(app, Project, world.alpha) is not None

    purged = ada.post(f"/trash/{op}/purge", {"reason": "retention"})
    assert purged.status_code == 303
    assert "Purged project “Alpha” with 1 comment, 2 items and 1 tag for good." in text_of(
        ada.get("/trash")
    )
    for model, ident in (
        (Project, world.alpha),
        (Item, world.alpha_item),
        (Comment, world.alpha_comment),
        (Tag, world.alpha_tag),
    ):
        assert raw(app, model, ident) is None
    with app.app_context():
        from taskboard.models import item_tag, project_member

        links = db.session.scalar(select(func.count()).select_from(item_tag))
        members = db.session.scalar(select(func.count()).select_from(project_member))
        purge = db.session.scalars(select(Operation).where(Operation.kind == "purge")).one()
        assert purge.reason == "retention"
        assert purge.context == {"project_ids": [world.alpha]}
    assert links == 1  # only Omega's item keeps its tag
    assert members == 0  # max's membership of Alpha was detached
    again = ada.post(f"/trash/{op}/purge", {"reason": "again"})
    assert again.status_code == 303
    assert "already purged" in text_of(ada.get("/trash"))
    assert ada.post(f"/trash/{op}/restore").status_code == 303
    assert "already purged" in text_of(ada.get("/trash"))
    # The project is gone for good, and with it mia's claim on its deletions.
    assert mia.post(f"/trash/{op}/restore").status_code == 404
