"""Redis out of reach, for real (a closed port, no mock): the rate-limit counters of the pages'
logins and destructive POSTs, and the API's ``Idempotency-Key`` claims. Every such request is
answered ``503`` with ``Retry-After`` (a page, a toast or a problem, as the client asks), and
nothing was done; never a 500 (issue 10, item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from taskboard_support import PASSWORD, Browser, World, live, text_of

from taskboard.auth import tokens
from taskboard.extensions import LIMIT_MARK, db
from taskboard.models import Item, User

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there: the connection is refused


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


@pytest.fixture
def down(make_app: Any, app: Flask) -> Flask:
    """An app on the same database as ``app``, its rate-limit counters out of reach."""
    made: Flask = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DOWN)
    return made


def logged_in(ok: Flask, down: Flask, username: str) -> Browser:
    """A browser of ``down``, logged in through ``ok`` (logging in on ``down`` cannot work)."""
    person = Browser(ok)
    person.login(username)
    other = Browser(down)
    session = person.client.get_cookie("session")
    assert session is not None
    other.client.set_cookie("session", session.value)
    assert other.logged_in
    return other


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "Traceback" not in response.text


def test_login_is_a_503_page_and_logs_nobody_in(down: Flask, world: World) -> None:
    person = Browser(down)
    form = {"username": "mia", "password": PASSWORD, "csrf_token": person.token()}
    response = person.client.post("/login", data=form)
    assert_unavailable(response)
    assert response.mimetype == "text/html"
    assert "Nothing was changed; try again shortly." in text_of(response)
    assert not person.logged_in

    as_json = person.client.post("/login", data=form, headers={"Accept": "application/json"})
    assert_unavailable(as_json)
    assert as_json.mimetype == "application/problem+json"


def test_a_delete_is_a_503_and_deletes_nothing(app: Flask, down: Flask, world: World) -> None:
    mia = logged_in(app, down, "mia")
    assert_unavailable(mia.confirm(f"/items/{world.alpha_item}/delete"))
    toast = mia.confirm(f"/items/{world.alpha_item}/delete", htmx=True)
    assert_unavailable(toast)
    assert toast.headers["HX-Retarget"] == "#toasts"
    assert live(app, Item, world.alpha_item) is not None


def test_every_limited_post_is_a_503(app: Flask, down: Flask, world: World) -> None:
    """Every view with a rate limit (from the app's views: one added later is covered)."""
    values = {
        "slug": "items",  # the extension's deletion pages: /<slug>/<key>/delete, bulk
        "key": world.alpha_item,
        "project_id": world.alpha,
        "item_id": world.alpha_item,
        "comment_id": world.alpha_comment,
        "tag_id": world.alpha_tag,
        "user_id": world.max,
        "op_id": 1,
        "token_id": 1,
    }
    ada = logged_in(app, down, "ada")
    adapter = down.url_map.bind("localhost")
    limited = [
        rule
        for rule in down.url_map.iter_rules()
        if getattr(down.view_functions[rule.endpoint], LIMIT_MARK, None)
        and "POST" in (rule.methods or set())
    ]
    assert len(limited) >= 8  # login, register, the deletes, bulk, undo, restore, purge...
    for rule in limited:
        url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        assert_unavailable(ada.post(url, {"token": "x", "reason": "x"}))
    for model, ident in ((Item, world.alpha_item), (Item, world.max_item)):
        assert live(app, model, ident) is not None


def test_an_idempotency_key_out_of_reach_is_a_503_and_nothing_is_done(
    make_app: Any, app: Flask, world: World
) -> None:
    keys_down = make_app(TASKBOARD_IDEMPOTENCY_STORE_URI=DOWN)
    with keys_down.app_context():
        secret = tokens.issue(db.session.get_one(User, world.mia), "tests").secret
        db.session.commit()
    client = keys_down.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k-1"}
    body = {"ids": [world.max_item]}
    response = client.post("/api/items/bulk-delete", json=body, headers=headers)
    assert_unavailable(response)
    assert response.mimetype == "application/problem+json"
    assert live(app, Item, world.max_item) is not None
    del headers["Idempotency-Key"]  # without a key, the store is not needed
    assert client.post("/api/items/bulk-delete", json=body, headers=headers).status_code == 200
    assert live(app, Item, world.max_item) is None
