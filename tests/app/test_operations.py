"""The operations log: who did what, when, why, how many; scoped, filterable; Undo."""

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
    assert f"{op} " in text
    assert "mia deleted item #" in text
    assert "1 item and 1 comment" in text
    assert "dupe" in text
    assert f"mia restored item deletion #{op}" in text
    assert f'action="/operations/{op}/undo"' not in page.text  # already undone


def test_members_see_their_projects_admins_see_all(app: Flask, browser: Any, world: World) -> None:
    mia, otto, ada = browser("mia"), browser("otto"), browser("ada")
    assert mia.confirm(f"/items/{world.max_item}/delete").status_code == 303
    assert otto.confirm(f"/items/{world.omega_item}/delete").status_code == 303
    max_ = browser("max")
    assert "Fix login" not in text_of(max_.get("/items"))
    max_log = text_of(max_.get("/operations"))
    assert "mia deleted item" in max_log  # max is a member of Alpha
    assert "otto" not in max_log
    assert "otto deleted item" in text_of(ada.get("/operations"))
    assert "mia deleted item" not in text_of(otto.get("/operations"))


def test_filters(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/items/{world.max_item}/delete").status_code == 303
    assert mia.confirm(f"/tags/{world.alpha_tag}/delete").status_code == 303
    assert "deleted tag" in text_of(mia.get("/operations?model=Tag"))
    assert "deleted item" not in text_of(mia.get("/operations?model=Tag"))
    assert "deleted item" in text_of(mia.get("/operations?kind=delete&actor=mia"))
    assert "Nothing in the log" in text_of(mia.get("/operations?actor=nobody"))
    assert "Nothing in the log" in text_of(mia.get("/operations?kind=purge"))
    assert "deleted item" in text_of(mia.get(f"/operations?project={world.alpha}"))
    # Values outside the choices are ignored, never an error.
    assert mia.get("/operations?kind=drop&model=x&project=abc&page=-1").status_code == 200


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
