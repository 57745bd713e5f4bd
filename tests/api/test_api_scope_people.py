"""Taskboard's scope and its people over time, on the pages and over the API: an admin's
deletion across teams is not another team's to read; a member deletes their own item with a
teammate's comment on it; the log found by a name its accounts share; an item whose assignee
left the team renamed without touching its assignee; a deletion whose rows are gone for good
out of the trash."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select
from taskboard_support import Browser, World, text_of, undo_op

from taskboard.extensions import db
from taskboard.models import Comment, Item, Project, User


def person(app: Flask, name: str) -> Browser:
    browser = Browser(app)
    browser.login(name)
    return browser


def test_an_admins_deletion_across_teams_is_not_a_members_to_read(
    app: Flask, world: World, api: Any
) -> None:
    ada = person(app, "ada")
    page = ada.get(f"/items/bulk-delete?ids={world.alpha_item}&ids={world.omega_item}")
    assert page.status_code == 200, page.text
    assert (
        ada.confirm(f"/items/bulk-delete?ids={world.alpha_item}&ids={world.omega_item}").status_code
        == 303
    )
    max_ = person(app, "max")
    for url in ("/trash", "/operations"):
        assert "Omega plan" not in text_of(max_.get(url)), url
    for url in ("/api/trash", "/api/operations"):
        body = api("max").get(url).get_json()
        assert body["items"] == [], (url, body)
    assert "Omega plan" in text_of(ada.get("/trash"))


def test_a_member_deletes_their_own_item_with_a_teammates_comment(
    app: Flask, world: World, api: Any
) -> None:
    with app.app_context():
        db.session.add(Comment(body="mia's note", item_id=world.max_item, author_id=world.mia))
        db.session.commit()
    assert api("max").delete(f"/api/items/{world.max_item}").status_code == 204
    with app.app_context():
        assert db.session.get(Item, world.max_item) is None


def test_the_log_by_a_name_finds_every_account_that_bore_it(
    app: Flask, world: World, api: Any
) -> None:
    old = person(app, "max")
    assert old.confirm(f"/items/{world.max_item}/delete", {"reason": "old max"}).status_code == 303
    ada = person(app, "ada")
    assert ada.confirm(f"/settings/users/{world.max}/delete").status_code == 303
    with app.app_context():  # someone else takes the free name
        taken = db.session.get_one(User, world.mia)
        db.session.add(
            User(username="max", email="new@example.com", password_hash=taken.password_hash)
        )
        db.session.commit()
    new = person(app, "max")
    assert new.post("/projects/new", {"name": "Newmax project"}).status_code == 303
    with app.app_context():
        named = select(Project.id).where(Project.name == "Newmax project")
        project = db.session.scalars(named).one()
    assert new.confirm(f"/projects/{project}/delete", {"reason": "new max"}).status_code == 303
    reasons = {
        op["reason"] for op in api("ada").get("/api/operations?actor=max").get_json()["items"]
    }
    assert reasons == {"old max", "new max"}
    for url in ("/operations?actor=max", "/operations?actor=Max", "/operations?q=max"):
        shown = text_of(ada.get(url))
        assert "old max" in shown and "new max" in shown, url


def test_an_item_whose_assignee_left_is_changed_without_reassigning_it(
    app: Flask, world: World, api: Any
) -> None:
    mia = person(app, "mia")
    assert mia.post(f"/projects/{world.alpha}/members/{world.max}/remove").status_code == 303
    patched = api("mia").open("PATCH", f"/api/items/{world.alpha_item}", json={"name": "v2"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["assignee_id"] == world.max  # kept, until someone changes it
    refused = api("mia").open(
        "PATCH", f"/api/items/{world.alpha_item}", json={"assignee_id": world.otto}
    )
    assert refused.status_code == 422


def test_an_item_whose_assignees_account_is_in_the_trash_is_unassigned(
    app: Flask, world: World, api: Any
) -> None:
    ada = person(app, "ada")
    assert ada.confirm(f"/settings/users/{world.max}/delete").status_code == 303
    listed = api("mia").get("/api/items?assignee=none").get_json()["items"]
    assert "Write spec" in [item["name"] for item in listed]
    assert "Write spec" in text_of(person(app, "mia").get("/items?assignee=none"))


def test_a_deletion_a_hard_delete_emptied_leaves_the_trash(
    app: Flask, world: World, api: Any
) -> None:
    mia = person(app, "mia")
    assert mia.confirm(f"/projects/{world.alpha}/delete").status_code == 303
    op = undo_op(mia.get("/projects"))
    ada = person(app, "ada")
    assert op in [entry["id"] for entry in api("ada").get("/api/trash").get_json()["items"]]
    gone = ada.confirm(f"/settings/users/{world.mia}/delete?hard=1", {"reason": "gdpr"})
    assert gone.status_code == 303, gone.text
    with app.app_context():
        trashed = select(Item.id).execution_options(include_deleted=True)
        assert world.alpha_item not in db.session.scalars(trashed).all()
    assert op not in [entry["id"] for entry in api("ada").get("/api/trash").get_json()["items"]]
