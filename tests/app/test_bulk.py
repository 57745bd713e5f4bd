"""Bulk deletion from the item list (the extension's bulk page, the list's filter): ticked rows,
or every row matching the filter."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from taskboard_support import Browser, World, live, text_of, undo_op

from taskboard.extensions import db
from taskboard.models import Item, Project, Status, User


def add_items(
    app: Flask, project_id: int, owner_id: int, names: list[str], status: str
) -> list[int]:
    with app.app_context():
        project = db.session.get(Project, project_id)
        owner = db.session.get(User, owner_id)
        items = [Item(name=n, project=project, owner=owner, status=status) for n in names]
        db.session.add_all(items)
        db.session.commit()
        return [i.id for i in items]


def test_the_list_offers_bulk_selection(browser: Any, world: World) -> None:
    page = browser("mia").get("/items?status=done")
    assert page.status_code == 200
    assert 'form="bulk"' in page.text
    assert "Delete all 1 matching this filter" in text_of(page)
    assert "all=1" in page.text and "status=done" in page.text
    # "Delete selected…" sends the ticked boxes to the bulk page; app.js keeps it disabled
    # until one is ticked.
    assert 'action="/items/bulk-delete"' in page.text
    assert 'data-needs-selection="#bulk"' in page.text


def test_all_matching_is_not_offered_past_the_cap(make_app: Any, world: World) -> None:
    capped = make_app(TASKBOARD_BULK_CAP=1)
    mia = Browser(capped)
    mia.login("mia")
    text = text_of(mia.get("/items"))
    assert "Delete all" not in text
    assert "2 match: one deletion takes at most 1. Narrow the filter to delete them all." in text


def test_counts_have_thousands_separators(app: Flask, browser: Any, world: World) -> None:
    add_items(app, world.alpha, world.mia, [f"n{i}" for i in range(1000)], Status.OPEN.value)
    text = text_of(browser("mia").get("/items"))
    assert "Delete all 1,002 matching this filter" in text
    assert "1,002 in all" in text


def test_ticked_items_are_previewed_deleted_and_undone_together(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    url = f"/items/bulk-delete?ids={world.alpha_item}&ids={world.max_item}"
    page = mia.get(url)
    assert page.status_code == 200
    text = text_of(page)
    assert "Delete 2 items?" in text
    assert re.search(r"Comment 1 “Looks good”", text)

    done = mia.confirm(url, {"next": "/items"})
    assert done.status_code == 303
    assert done.headers["Location"] == "/items"
    assert live(app, Item, world.alpha_item) is None
    assert live(app, Item, world.max_item) is None
    followed = mia.get("/items")
    assert "Deleted 2 items and 1 comment." in text_of(followed)
    op = undo_op(followed)
    assert op is not None

    assert mia.post(f"/operations/{op}/undo").status_code == 303
    assert live(app, Item, world.alpha_item) is not None
    assert live(app, Item, world.max_item) is not None


def test_all_matching_the_filter(app: Flask, browser: Any, world: World) -> None:
    done_ids = add_items(app, world.alpha, world.mia, ["d1", "d2", "d3"], Status.DONE.value)
    mia = browser("mia")
    url = "/items/bulk-delete?all=1&status=done"
    page = mia.get(url)
    assert "Delete 4 items?" in text_of(page)
    assert mia.confirm(url).status_code == 303
    for ident in [*done_ids, world.max_item]:
        assert live(app, Item, ident) is None
    assert live(app, Item, world.alpha_item) is not None  # open, not matched
    assert live(app, Item, world.omega_item) is not None  # not mia's to see


def test_all_matching_is_refused_if_the_set_changed(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    url = "/items/bulk-delete?all=1&status=done"
    page = mia.get(url)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    late = add_items(app, world.alpha, world.mia, ["late"], Status.DONE.value)
    response = mia.post(
        "/items/bulk-delete", {"all": "1", "status": "done", "token": token.group(1)}
    )
    assert response.status_code == 409
    assert "What this would delete changed since you looked" in text_of(response)
    assert live(app, Item, late[0]) is not None
    assert live(app, Item, world.max_item) is not None


def test_rows_one_may_not_delete_block_the_bulk_delete(
    app: Flask, browser: Any, world: World
) -> None:
    max_ = browser("max")  # a member of Alpha: owns "Fix login", not "Write spec"
    url = f"/items/bulk-delete?all=1&project={world.alpha}"
    page = max_.get(url)
    assert page.status_code == 200
    assert "You may not delete item “Write spec”." in text_of(page)
    assert 'name="token"' not in page.text  # nothing offered
    response = max_.post(
        "/items/bulk-delete", {"all": "1", "project": str(world.alpha), "token": "x"}
    )
    assert response.status_code == 409
    assert live(app, Item, world.alpha_item) is not None
    assert live(app, Item, world.max_item) is not None


def test_the_cap_is_named(app: Flask, make_app: Any, world: World) -> None:
    capped = make_app(TASKBOARD_BULK_CAP=1)
    mia = Browser(capped)
    mia.login("mia")
    response = mia.get(f"/items/bulk-delete?all=1&project={world.alpha}")
    assert response.status_code == 422
    assert "2 items match; one deletion takes at most 1. Narrow the filter." in text_of(response)


def test_bad_selections(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    nothing = mia.get("/items/bulk-delete")
    assert nothing.status_code == 422  # "Delete selected…" sent with nothing ticked
    assert "Select at least one item." in text_of(nothing)
    assert "Back" in text_of(nothing) or "Cancel" in text_of(nothing)
    bad = mia.get("/items/bulk-delete?ids=1&ids=abc&ids=-3")
    assert bad.status_code == 422
    assert "The selection holds an id that is no item." in text_of(bad)
    gone = mia.get("/items/bulk-delete?ids=999999")
    assert gone.status_code == 404
    assert "None of these items is here any more." in text_of(gone)
    assert mia.post("/items/bulk-delete", {"ids": ["abc"]}).status_code == 422
    assert live(app, Item, world.alpha_item) is not None


def test_a_second_submit_finds_nothing_left(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    url = f"/items/bulk-delete?ids={world.max_item}"
    page = mia.get(url)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    form = {"ids": [str(world.max_item)], "token": token.group(1)}
    assert mia.post("/items/bulk-delete", form).status_code == 303
    again = mia.post("/items/bulk-delete", form)
    assert again.status_code == 404
    assert "None of these items is here any more." in text_of(again)


def test_all_matching_refuses_a_filter_that_does_not_validate(
    app: Flask, browser: Any, world: World
) -> None:
    """A field the listing would ignore must not widen the bulk delete to everything."""
    mia = browser("mia")
    for bad in (
        f"project={world.omega}",  # a project mia cannot see
        "project=abc",
        "status=nonsense",
        "q=" + "x" * 201,
        "tag=" + "t" * 41,
    ):
        url = f"/items/bulk-delete?all=1&{bad}"
        assert mia.get(url).status_code == 422, bad
        response = mia.post("/items/bulk-delete", {"all": "1", **dict([bad.split("=", 1)])})
        assert response.status_code == 422, bad
    for ident in (world.alpha_item, world.max_item):
        assert live(app, Item, ident) is not None


def test_a_member_is_offered_to_delete_only_their_own_rows(
    app: Flask, browser: Any, world: World
) -> None:
    max_ = browser("max")  # a member of Alpha: owns "Fix login", not "Write spec"
    for url in (
        f"/items/bulk-delete?all=1&project={world.alpha}&next=/items",
        f"/items/bulk-delete?ids={world.alpha_item}&ids={world.max_item}&next=/items",
    ):
        page = max_.get(url)
        assert page.status_code == 200
        text = text_of(page)
        assert "You may not delete item “Write spec”." in text  # which one
        assert (
            "You do not have permission to delete 1 of these 2 items (named below); "
            "you may delete the other 1." in text
        )
        assert 'name="token"' not in page.text  # the whole selection is not offered
        offer = re.search(r'href="([^"]*)">Delete only the 1 item you may<', page.text)
        assert offer, page.text
        only_mine = offer.group(1).replace("&amp;", "&")
        assert only_mine == f"/items/bulk-delete?ids={world.max_item}&next=/items"

        mine = max_.get(only_mine)
        assert mine.status_code == 200
        assert "Delete 1 item?" in text_of(mine)
        assert "permission" not in text_of(mine)
        assert "Delete only" not in mine.text
        assert 'name="token"' in mine.text
    token = re.search(r'name="token" value="([^"]+)"', mine.text)
    assert token
    response = max_.post(
        "/items/bulk-delete",
        {"ids": str(world.max_item), "token": token.group(1), "next": "/items"},
    )
    assert response.status_code in (302, 303)
    assert live(app, Item, world.max_item) is None
    assert live(app, Item, world.alpha_item) is not None


def test_a_member_who_may_delete_none_of_the_rows_is_told_so(
    app: Flask, browser: Any, world: World
) -> None:
    max_ = browser("max")
    page = max_.get(f"/items/bulk-delete?ids={world.alpha_item}")
    assert page.status_code == 200
    text = text_of(page)
    assert "You do not have permission to delete this item." in text
    assert "You may not delete item “Write spec”." in text
    assert "Delete only" not in text
    more = add_items(app, world.alpha, world.mia, ["Mia's too"], Status.OPEN.value)
    page = max_.get(f"/items/bulk-delete?ids={world.alpha_item}&ids={more[0]}")
    assert "You do not have permission to delete any of these items." in text_of(page)
    assert "Delete only" not in text_of(page)
    assert live(app, Item, world.alpha_item) is not None
