"""The operations log (the extension's page, Taskboard's rules): who did what, when, why, how
many, by name; scoped, filterable; Undo."""

from __future__ import annotations

from typing import Any

from flask import Flask
from taskboard_support import World, live, text_of, undo_op

from taskboard.models import Item


def test_the_log_tells_who_did_what(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/items/{world.alpha_item}/delete", {"reason": "dupe"}).status_code == 303
    op = undo_op(mia.get("/projects"))
    assert mia.post(f"/operations/{op}/undo").status_code == 303

    page = mia.get("/operations")
    assert page.status_code == 200
    text = text_of(page)
    assert "Moved to the trash: item “Write spec” with 1 comment mia dupe Undone" in text
    assert "Restored: item “Write spec” with 1 comment mia" in text
    assert f"user:{world.mia}" not in text  # names, not account ids
    assert f'action="/operations/{op}/undo"' not in page.text  # already undone


def test_members_see_their_projects_admins_see_all(app: Flask, browser: Any, world: World) -> None:
    mia, otto, ada = browser("mia"), browser("otto"), browser("ada")
    assert mia.confirm(f"/items/{world.max_item}/delete").status_code == 303
    assert otto.confirm(f"/items/{world.omega_item}/delete").status_code == 303
    max_ = browser("max")
    assert "Fix login" not in text_of(max_.get("/items"))
    max_log = text_of(max_.get("/operations"))
    assert "item “Fix login” mia" in max_log  # max is a member of Alpha
    assert "otto" not in max_log
    assert "item “Omega plan” with 1 comment otto" in text_of(ada.get("/operations"))
    assert "Fix login" not in text_of(otto.get("/operations"))


def test_filters(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/items/{world.max_item}/delete").status_code == 303
    assert mia.confirm(f"/tags/{world.alpha_tag}/delete").status_code == 303
    assert mia.confirm(f"/items/{world.alpha_item}/delete", {"reason": "dupe"}).status_code == 303
    by_reason = text_of(mia.get("/operations?q=dupe"))
    assert "Write spec" in by_reason and "Fix login" not in by_reason
    assert "tag “bug”" in text_of(mia.get("/operations?kind=delete"))
    assert "Nothing in the log matches" in text_of(mia.get("/operations?kind=purge"))
    mine = text_of(mia.get(f"/operations?kind=delete&actor=user:{world.mia}"))
    assert "Fix login" in mine
    assert "Nothing in the log matches" in text_of(mia.get("/operations?actor=nobody"))
    # Values outside the choices are named, never silently dropped (which would widen the list).
    junk = mia.get("/operations?kind=drop&page=-1")
    assert junk.status_code == 422
    assert "There is no kind “drop”." in text_of(junk)


def test_undo_from_the_log(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/items/{world.max_item}/delete").status_code == 303
    log = mia.get("/operations")
    op = undo_op(log)
    assert op is not None
    response = mia.post(f"/operations/{op}/undo", {"next": "/operations"})
    assert response.headers["Location"] == "/operations"
    assert live(app, Item, world.max_item) is not None


def test_undo_needs_post(browser: Any, world: World) -> None:
    assert browser("mia").get("/operations/1/undo").status_code == 405
