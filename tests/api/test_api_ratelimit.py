"""Rate limits on the API: per token holder, reads and writes apart, deleted rows charged one
unit each (a bulk delete refused whole before it writes), ``429`` problems with ``Retry-After``;
in memory and in Redis."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Caller, issue_token
from flask import Flask
from redis_support import REDIS_URL, redis_prefix
from taskboard_support import World, build_world, live
from test_api_contract import assert_problem

from taskboard.extensions import db
from taskboard.models import Item

__all__ = ["redis_prefix"]  # a fixture, imported to register it

pytestmark = pytest.mark.servers
BULK = "/api/items/bulk-delete"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["memory", "redis"])
def limited(request: pytest.FixtureRequest, make_app: Any) -> Any:
    """``limited(**config)``: an app with rate limits on, its counters in memory or in Redis
    (under a prefix of the test's own)."""
    storage: dict[str, Any] = {"RATELIMIT_STORAGE_URI": "memory://"}
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        storage = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}

    def factory(**config: Any) -> Flask:
        app: Flask = make_app(RATELIMIT_ENABLED=True, **storage, **config)
        return app

    return factory


def caller(app: Flask, user_id: int) -> Caller:
    return Caller(app, issue_token(app, user_id))


def assert_too_many(response: Any) -> dict[str, Any]:
    problem = assert_problem(response, 429)
    seconds = int(response.headers["Retry-After"])
    assert seconds >= 1 and problem["retry_after"] == seconds and problem["limit"]
    return problem


def mias_items(app: Flask, world: World, count: int) -> list[int]:
    """``count`` more items of mia's in Alpha (hers to delete)."""
    with app.app_context():
        items = [
            Item(name=f"Extra {n}", project_id=world.alpha, owner_id=world.mia)
            for n in range(count)
        ]
        db.session.add_all(items)
        db.session.commit()
        return [item.id for item in items]


def test_reads_over_the_limit_are_429_with_retry_after(limited: Any) -> None:
    app = limited(TASKBOARD_API_READ_LIMIT="2 per minute")
    with app.app_context():
        world = build_world()
    mia = caller(app, world.mia)
    assert [mia.get("/api/items").status_code for _ in range(2)] == [200, 200]
    problem = assert_too_many(mia.get(f"/api/items/{world.alpha_item}"))
    assert problem["budget"] == "read" and int(problem["retry_after"]) <= 60


def test_the_budget_is_the_users_not_the_tokens_nor_the_address(limited: Any) -> None:
    app = limited(TASKBOARD_API_READ_LIMIT="1 per minute")
    with app.app_context():
        world = build_world()
    assert caller(app, world.mia).get("/api/items").status_code == 200
    assert_too_many(caller(app, world.mia).get("/api/items"))  # another token of hers
    assert caller(app, world.max).get("/api/items").status_code == 200  # same address


def test_writes_have_a_budget_of_their_own(limited: Any) -> None:
    app = limited(TASKBOARD_API_WRITE_LIMIT="1 per minute")
    with app.app_context():
        world = build_world()
    mia = caller(app, world.mia)
    assert mia.delete(f"/api/items/{world.max_item}").status_code == 204
    problem = assert_too_many(mia.delete(f"/api/items/{world.alpha_item}"))
    assert problem["budget"] == "write"
    assert live(app, Item, world.alpha_item) is not None
    assert mia.get("/api/items").status_code == 200


def test_bulk_delete_is_charged_per_row_and_refused_whole(limited: Any) -> None:
    app = limited(TASKBOARD_API_DELETE_ROWS_LIMIT="3 per hour")
    with app.app_context():
        world = build_world()
    first, second, third, fourth = mias_items(app, world, 4)
    mia = caller(app, world.mia)
    assert mia.open("POST", BULK, json={"ids": [first, second]}).status_code == 200
    problem = assert_too_many(mia.open("POST", BULK, json={"ids": [third, fourth]}))
    assert problem["budget"] == "rows"
    assert live(app, Item, third) is not None and live(app, Item, fourth) is not None
    # The refused batch cost nothing: the last unit still pays for one DELETE.
    assert mia.delete(f"/api/items/{third}").status_code == 204
    assert_too_many(mia.delete(f"/api/items/{fourth}"))
    assert live(app, Item, fourth) is not None


def test_a_batch_no_window_could_hold_is_400(limited: Any) -> None:
    app = limited(TASKBOARD_API_DELETE_ROWS_LIMIT="2 per hour")
    with app.app_context():
        world = build_world()
    ids = mias_items(app, world, 3)
    problem = assert_problem(caller(app, world.mia).open("POST", BULK, json={"ids": ids}), 400)
    assert problem["rows"] == 3 and "2 per 1 hour" in problem["budget"]
    assert all(live(app, Item, ident) is not None for ident in ids)


def test_a_refusal_for_the_budget_is_not_kept_under_an_idempotency_key(limited: Any) -> None:
    app = limited(TASKBOARD_API_DELETE_ROWS_LIMIT="1 per hour")
    with app.app_context():
        world = build_world()
    first, second = mias_items(app, world, 2)
    mia = caller(app, world.mia)
    assert mia.delete(f"/api/items/{first}").status_code == 204
    headers = {"Idempotency-Key": "after-the-wait"}
    assert_too_many(mia.open("POST", BULK, json={"ids": [second]}, headers=headers))
    app.config["TASKBOARD_API_DELETE_ROWS_LIMIT"] = "5 per hour"  # as if the window had passed
    retried = mia.open("POST", BULK, json={"ids": [second]}, headers=headers)
    assert retried.status_code == 200, retried.text
    assert live(app, Item, second) is None


def test_workers_sharing_redis_share_the_budget(make_app: Any, redis_prefix: str) -> None:
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "TASKBOARD_API_READ_LIMIT": "2 per minute",
    }
    one, other = make_app(**config), make_app(**config)
    with one.app_context():
        world = build_world()
    secret = issue_token(one, world.mia)
    assert Caller(one, secret).get("/api/items").status_code == 200
    assert Caller(other, secret).get("/api/items").status_code == 200
    assert_too_many(Caller(one, secret).get("/api/items"))


def test_flask_limiter_limits_answer_problems_on_the_api_only(limited: Any) -> None:
    app = limited(RATELIMIT_APPLICATION="1 per minute", RATELIMIT_HEADERS_ENABLED=False)
    with app.app_context():
        world = build_world()
    mia = caller(app, world.mia)
    assert mia.get("/api/items").status_code == 200
    assert_too_many(mia.get("/api/items"))
    page = app.test_client().get("/login")  # HTML: the error page, as before
    assert page.status_code == 429 and page.mimetype == "text/html"


def test_limits_are_off_with_flask_limiter(make_app: Any) -> None:
    app = make_app(RATELIMIT_ENABLED=False, TASKBOARD_API_READ_LIMIT="1 per minute")
    with app.app_context():
        world = build_world()
    mia = caller(app, world.mia)
    assert [mia.get("/api/items").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize(("swallow", "status"), [(False, 503), (True, 200)])
def test_unreachable_counters(make_app: Any, swallow: bool, status: int) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",  # nothing listens there
        RATELIMIT_SWALLOW_ERRORS=swallow,
    )
    with app.app_context():
        world = build_world()
    response = caller(app, world.mia).get("/api/items")
    assert response.status_code == status, response.text
    if status == 503:
        assert_problem(response, 503)
