"""Items: create, show, edit, list (filter, paginate)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from taskboard_support import World, live, text_of

from taskboard.extensions import db
from taskboard.models import Item, Project, Tag


def test_create_with_everything(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    form = max_.get(f"/projects/{world.alpha}/items/new")
    assert form.status_code == 200
    assert ">mia</option>" in form.text and ">bug</option>" in form.text
    response = max_.post(
        f"/projects/{world.alpha}/items/new",
        {
            "name": "Ship it",
            "description": "Soon",
            "status": "in_progress",
            "assignee": str(world.mia),
            "due": "2030-01-31",
            "tags": [str(world.alpha_tag)],
        },
    )
    assert response.status_code == 303
    page = max_.get(response.headers["Location"])
    text = text_of(page)
    assert "Added “Ship it”." in text
    assert "In progress" in text
    assert "2030-01-31" in text
    with app.app_context():
        item = db.session.scalars(db.select(Item).where(Item.name == "Ship it")).one()
        assert item.owner_id == world.max
        assert item.assignee_id == world.mia
        assert item.due == date(2030, 1, 31)
        assert [t.id for t in item.tags] == [world.alpha_tag]


def test_create_refuses_outsiders_and_foreign_tags(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.post(
        f"/projects/{world.alpha}/items/new",
        {
            "name": "X",
            "status": "open",
            "assignee": str(world.otto),
            "tags": [str(world.omega_tag)],
        },
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "Not a valid choice." in text
    with app.app_context():
        assert db.session.scalars(db.select(Item).where(Item.name == "X")).first() is None
    assert (
        mia.post(f"/projects/{world.alpha}/items/new", {"name": "", "status": "x"}).status_code
        == 422
    )
    assert (
        mia.post(
            f"/projects/{world.alpha}/items/new",
            {"name": "d", "status": "open", "due": "31/01/2030"},
        ).status_code
        == 422
    )


def test_edit(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")  # a member may edit any of the team's items
    page = max_.get(f"/items/{world.alpha_item}/edit")
    assert page.status_code == 200
    assert 'value="Write spec"' in page.text
    response = max_.post(
        f"/items/{world.alpha_item}/edit",
        {"name": "Write the spec", "status": "done", "assignee": "0", "due": ""},
    )
    assert response.status_code == 303
    item = live(app, Item, world.alpha_item)
    assert item.name == "Write the spec"
    assert item.status == "done"
    assert item.assignee_id is None
    with app.app_context():
        loaded = db.session.get(Item, world.alpha_item)
        assert loaded is not None
        assert loaded.tags == []


def test_show(browser: Any, world: World) -> None:
    page = browser("max").get(f"/items/{world.alpha_item}")
    text = text_of(page)
    assert "Write spec" in text
    assert "Looks good" in text
    assert "Created by mia" in text
    assert "Delete…" not in text  # max may not delete mia's item


def test_list_filters(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    everything = text_of(mia.get("/items"))
    assert "Write spec" in everything and "Fix login" in everything
    assert "Omega plan" not in everything
    assert "Fix login" not in text_of(mia.get("/items?status=open"))
    assert "Write spec" not in text_of(mia.get("/items?status=done"))
    max_ = browser("max")
    mine = text_of(max_.get("/items?assignee=me"))
    assert "Write spec" in mine and "Fix login" not in mine
    unassigned = text_of(max_.get("/items?assignee=none"))
    assert "Fix login" in unassigned and "Write spec" not in unassigned
    tagged = text_of(mia.get("/items?tag=bug"))
    assert "Write spec" in tagged and "Fix login" not in tagged
    assert "Fix login" in text_of(mia.get("/items?q=LOGIN"))
    assert "No items match this filter." in text_of(mia.get("/items?q=zzz"))
    assert "Write spec" in text_of(mia.get(f"/items?project={world.alpha}"))
    # The other team's project is not a choice: the filter is ignored, not an error.
    other = mia.get(f"/items?project={world.omega}&status=bogus&assignee=x&page=-3")
    assert other.status_code == 200
    assert "Omega plan" not in text_of(other)


def test_a_trashed_tag_does_not_filter(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/tags/{world.alpha_tag}/delete").status_code == 303
    assert "No items match this filter." in text_of(mia.get("/items?tag=bug"))


def test_pagination(app: Flask, browser: Any, world: World) -> None:
    with app.app_context():
        project = db.session.get(Project, world.alpha)
        db.session.add_all(Item(name=f"Bulk {n:02}", project=project) for n in range(9))
        db.session.commit()
    mia = browser("mia")
    assert "Page 1 of 3 · 11 in all" in text_of(mia.get("/items"))
    last = mia.get("/items?page=3")
    assert "Page 3 of 3" in text_of(last)
    assert 'href="/items?page=2"' in last.text
    filtered = mia.get("/items?q=bulk&page=2")
    assert 'href="/items?q=bulk&amp;page=1"' in filtered.text


def test_the_item_page_of_a_tag_hidden_in_trash(app: Flask, browser: Any, world: World) -> None:
    with app.app_context():
        tag = db.session.get(Tag, world.alpha_tag)
        assert tag is not None
    mia = browser("mia")
    assert mia.confirm(f"/tags/{world.alpha_tag}/delete").status_code == 303
    edit = mia.get(f"/items/{world.alpha_item}/edit")
    assert ">bug</option>" not in edit.text
