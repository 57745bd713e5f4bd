"""Projects: create, list (filter, paginate), show, edit, membership, ownership."""

from __future__ import annotations

from typing import Any

from flask import Flask
from taskboard_support import World, live, text_of

from taskboard.extensions import db
from taskboard.models import Project, User


def test_create_and_show(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    response = max_.post("/projects/new", {"name": "  Garden  ", "description": "Plants"})
    assert response.status_code == 303
    page = max_.get(response.headers["Location"])
    assert page.status_code == 200
    text = text_of(page)
    assert "Created project “Garden”." in text
    assert "Plants" in text
    with app.app_context():
        project = db.session.scalars(db.select(Project).where(Project.name == "Garden")).one()
        assert project.owner_id == world.max


def test_create_needs_a_name(browser: Any, world: World) -> None:
    response = browser("max").post("/projects/new", {"name": "   "})
    assert response.status_code == 422
    assert "This field is required." in text_of(response)


def test_the_list_is_scoped_filtered_and_paginated(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    for n in range(6):
        assert mia.post("/projects/new", {"name": f"Extra {n}"}).status_code == 303
    first = text_of(mia.get("/projects"))
    assert "Page 1 of 2 · 7 in all" in first
    assert "Omega" not in first
    second = text_of(mia.get("/projects?page=2"))
    assert "Page 2 of 2" in second
    assert "Extra 5" in second
    assert mia.get("/projects?page=abc").status_code == 200
    assert mia.get("/projects?page=99").status_code == 200
    filtered = text_of(mia.get("/projects?q=extra 3"))
    assert "Extra 3" in filtered
    assert "Extra 4" not in filtered
    assert "Alpha" not in text_of(browser("max").get("/projects?role=owner"))
    assert "Alpha" in text_of(browser("max").get("/projects?role=member"))
    assert "Omega" in text_of(browser("ada").get("/projects?q=ome"))


def test_search_is_not_a_pattern(browser: Any, world: World) -> None:
    assert "Alpha" not in text_of(browser("mia").get("/projects?q=%25"))


def test_edit(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/projects/{world.alpha}/edit")
    assert 'value="Alpha"' in page.text
    response = mia.post(f"/projects/{world.alpha}/edit", {"name": "Alpha 2", "description": ""})
    assert response.status_code == 303
    assert live(app, Project, world.alpha).name == "Alpha 2"
    assert mia.post(f"/projects/{world.alpha}/edit", {"name": ""}).status_code == 422


def test_members(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    added = mia.post(f"/projects/{world.alpha}/members", {"username": "Otto"})
    assert added.status_code == 303
    assert "otto joined the project." in text_of(mia.get(f"/projects/{world.alpha}"))
    assert "Alpha" in text_of(browser("otto").get("/projects"))
    again = mia.post(f"/projects/{world.alpha}/members", {"username": "otto"})
    assert again.status_code == 303
    assert "otto is already on this project." in text_of(mia.get(f"/projects/{world.alpha}"))
    nobody = mia.post(f"/projects/{world.alpha}/members", {"username": "ghost"})
    assert nobody.status_code == 303
    assert "There is no account named “ghost”." in text_of(mia.get(f"/projects/{world.alpha}"))

    removed = mia.post(f"/projects/{world.alpha}/members/{world.otto}/remove")
    assert removed.status_code == 303
    assert browser("otto").get(f"/projects/{world.alpha}").status_code == 404
    not_member = mia.post(f"/projects/{world.alpha}/members/{world.ada}/remove")
    assert not_member.status_code == 303
    assert "That person is not a member" in text_of(mia.get(f"/projects/{world.alpha}"))


def test_transfer_ownership(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    refused = mia.post(f"/projects/{world.alpha}/transfer", {"owner": str(world.otto)})
    assert refused.status_code == 303
    assert live(app, Project, world.alpha).owner_id == world.mia
    response = mia.post(f"/projects/{world.alpha}/transfer", {"owner": str(world.max)})
    assert response.status_code == 303
    assert "max now owns “Alpha”." in text_of(mia.get(f"/projects/{world.alpha}"))
    with app.app_context():
        project = db.session.get(Project, world.alpha)
        assert project is not None
        assert project.owner_id == world.max
        assert [u.username for u in project.members] == ["mia"]
    # mia owns nothing now: she can delete her account.
    assert "cannot be deleted yet" not in text_of(mia.get("/settings/account/delete"))
    assert mia.get(f"/projects/{world.alpha}/edit").status_code == 403


def test_show_lists_the_projects_items_with_filters(browser: Any, world: World) -> None:
    mia = browser("mia")
    page = text_of(mia.get(f"/projects/{world.alpha}?status=done"))
    assert "Fix login" in page
    assert "Write spec" not in page
    assert "mia owner" in page and "max" in page


def test_deleted_users_leave_the_team_list(app: Flask, browser: Any, world: World) -> None:
    ada = browser("ada")
    assert ada.confirm(f"/settings/users/{world.max}/delete").status_code == 303
    page = text_of(browser("mia").get(f"/projects/{world.alpha}"))
    assert "Team mia owner Remove" not in page
    with app.app_context():
        project = db.session.get(Project, world.alpha)
        assert project is not None
        assert [u.username for u in project.members] == []
        assert db.session.get(User, world.max) is None
