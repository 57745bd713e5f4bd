"""``Idempotency-Key`` on bulk delete: a retry gets the same answer, never a second delete; the
same contract whether the keys live in the database or in Redis (the deletion API's stores,
configured by Taskboard's settings)."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from typing import Any

import pytest
import redis
from flask import Flask, g
from redis_support import REDIS_URL, redis_prefix
from taskboard_support import World
from test_api_contract import assert_problem
from werkzeug.wrappers import Response

from flask_tombstone.api.idempotency import fingerprint, idempotent
from flask_tombstone.api.stores import DatabaseStore, IdempotencyStore, Lifetimes, RedisStore
from taskboard.extensions import db
from taskboard.models import Operation, User

__all__ = ["redis_prefix"]  # a fixture, imported to register it

pytestmark = pytest.mark.servers
URL = "/api/items/bulk-delete"
STORES = {"database": DatabaseStore, "redis": RedisStore}
STORE = "tombstone_api.store"  # app.extensions: the store made from the settings


def store() -> IdempotencyStore:
    """The current app's store (in an app context)."""
    from flask import current_app

    found: IdempotencyStore = current_app.extensions["tombstone_api"].idempotency_store()
    return found


def scope(user_id: int) -> str:
    """A caller's keys, as the store holds them: per account."""
    return f"user:{user_id}"


@pytest.fixture(params=list(STORES))
def app(request: pytest.FixtureRequest, make_app: Any) -> Flask:
    """The app, its idempotency keys in the database or in Redis (a prefix of the test's own)."""
    config: dict[str, Any] = {}
    if request.param == "redis":
        config = {
            "TASKBOARD_IDEMPOTENCY_STORE_URI": REDIS_URL,
            "TASKBOARD_IDEMPOTENCY_KEY_PREFIX": request.getfixturevalue("redis_prefix"),
        }
    made: Flask = make_app(**config)
    with made.app_context():
        assert isinstance(store(), STORES[request.param])
    return made


def deletes(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Operation).filter_by(kind="delete").count()


def claim(app: Flask, user_id: int, key: str, body: dict[str, Any]) -> None:
    """Claim ``key`` as a request with ``body`` would, and leave it running."""
    with app.test_request_context(URL, method="POST", json=body):
        assert store().claim(scope(user_id), key, fingerprint())


def test_same_key_same_body_replays_the_answer(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    headers = {"Idempotency-Key": "k-1"}
    first = mia.open("POST", URL, json={"ids": [world.max_item]}, headers=headers)
    again = mia.open("POST", URL, json={"ids": [world.max_item]}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json == again.json
    assert deletes(app) == 1


def test_same_key_other_body_is_422(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    headers = {"Idempotency-Key": "k-2"}
    assert mia.open("POST", URL, json={"ids": [world.max_item]}, headers=headers).status_code == 200
    other = mia.open("POST", URL, json={"ids": [world.alpha_item]}, headers=headers)
    assert_problem(other, 422)
    assert deletes(app) == 1


def test_refusals_are_replayed_too(api: Any, world: World) -> None:
    mia = api("mia")
    headers = {"Idempotency-Key": "k-3"}
    body = {"filter": {"project_id": world.alpha}, "expected_count": 5}
    assert_problem(mia.open("POST", URL, json=body, headers=headers), 409)
    assert_problem(mia.open("POST", URL, json=body, headers=headers), 409)


def test_a_key_still_running_is_409_saying_when_to_retry(
    app: Flask, api: Any, world: World
) -> None:
    """The claim holds the key until its request ends, or (the request died) for the running
    timeout: ``Retry-After`` says how long it may still hold it."""
    body = {"ids": [world.max_item]}
    claim(app, world.mia, "k-4", body)
    response = api("mia").open("POST", URL, json=body, headers={"Idempotency-Key": "k-4"})
    problem = assert_problem(response, 409)
    seconds = int(response.headers["Retry-After"])
    assert 280 <= seconds <= 300  # TASKBOARD_IDEMPOTENCY_RUNNING_TIMEOUT: 5 minutes
    assert (problem["code"], problem["retry_after"]) == ("running", seconds)
    assert deletes(app) == 0


def test_keys_are_per_user(app: Flask, api: Any, world: World) -> None:
    headers = {"Idempotency-Key": "shared"}
    mine = api("mia").open("POST", URL, json={"ids": [world.max_item]}, headers=headers)
    assert mine.status_code == 200
    other = api("otto").open("POST", URL, json={"ids": [world.omega_item]}, headers=headers)
    assert other.status_code == 200
    assert deletes(app) == 2


def test_a_key_over_200_characters_is_400(api: Any, world: World) -> None:
    response = api("mia").open(
        "POST", URL, json={"ids": [world.max_item]}, headers={"Idempotency-Key": "k" * 201}
    )
    assert_problem(response, 400)


def request_as(app: Flask, user_id: int, key: str) -> Any:
    """A bulk delete's request context, as ``user_id`` sending ``key``."""
    headers = {"Idempotency-Key": key}
    return app.test_request_context(URL, method="POST", json={"ids": [1]}, headers=headers)


def failing(app: Flask, user_id: int, key: str, work: Any) -> None:
    """Run ``work`` under ``key`` as ``user_id``'s request would, letting what it raises go."""
    with request_as(app, user_id, key):
        g.api_user = user = db.session.get(User, user_id)
        with contextlib.suppress(RuntimeError):
            idempotent(user, work)


def kept(app: Flask, user_id: int, key: str) -> Any:
    with app.app_context():
        return store().replay(scope(user_id), key)


def test_server_errors_and_crashes_are_not_kept(app: Flask, world: World) -> None:
    failing(app, world.mia, "k-5xx", lambda: Response("down", status=503))
    assert kept(app, world.mia, "k-5xx") is None

    def crash() -> Response:
        raise RuntimeError("the work blew up")

    failing(app, world.mia, "k-crash", crash)
    assert kept(app, world.mia, "k-crash") is None
    failing(app, world.mia, "k-ok", lambda: Response("{}", status=201))
    assert kept(app, world.mia, "k-ok").status == 201


def test_the_answer_goes_back_though_the_store_went_away_during_the_work(
    app: Flask, world: World
) -> None:
    """The work is done: its answer is the client's, even if the store cannot keep it now (a
    503 would say nothing was done). Redis really goes away: the store is swapped for one on
    a closed port while the work runs."""

    def work() -> Response:
        lifetimes = Lifetimes(timedelta(hours=24), timedelta(minutes=5))
        gone = RedisStore(redis.Redis.from_url("redis://127.0.0.1:1/0"), "gone", lifetimes)
        app.extensions[STORE] = gone
        return Response("{}", status=201)

    with request_as(app, world.mia, "k-gone"):
        g.api_user = user = db.session.get(User, world.mia)
        assert idempotent(user, work).status_code == 201
        with pytest.raises(redis.RedisError):
            store().replay(scope(world.mia), "k-gone")


def test_answers_and_abandoned_claims_expire(app: Flask, api: Any, world: World) -> None:
    app.config["TOMBSTONE_API_IDEMPOTENCY_TTL"] = "1s"
    app.config["TOMBSTONE_API_IDEMPOTENCY_RUNNING_TIMEOUT"] = "1s"
    app.extensions.pop(STORE, None)  # made again from the shorter lifetimes
    mia = api("mia")
    claim(app, world.mia, "abandoned", {"ids": [world.alpha_item]})
    done = {"Idempotency-Key": "done"}
    assert mia.open("POST", URL, json={"ids": [world.max_item]}, headers=done).status_code == 200
    time.sleep(2.1)  # the database keeps whole seconds
    again = {"Idempotency-Key": "abandoned"}
    assert mia.open("POST", URL, json={"ids": [world.alpha_item]}, headers=again).status_code == 200
    other = mia.open("POST", URL, json={"ids": [world.alpha_item]}, headers=done)
    assert other.status_code == 404  # run again (the item is gone), not refused as reused
