"""``Idempotency-Key`` on the extension's API, with the database store on every database and
the Redis store: the same key and request replay the answer (the work runs once), another
request under the key is 422, a request still running is 409 with ``Retry-After``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from dbs import REDIS_URL, scratch_redis
from flask_tombstone import Operation

from .board import Caller, board, db, live, task

BULK = "/api/tasks/bulk-delete"


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if request.param == "database":
        yield {}
        return
    with scratch_redis() as prefix:
        yield {
            "TOMBSTONE_API_IDEMPOTENCY_STORE": REDIS_URL,
            "TOMBSTONE_API_IDEMPOTENCY_PREFIX": prefix,
        }


@pytest.fixture
def api_app(db_kind: str, server_urls: dict[str, str], store: dict[str, Any]) -> Iterator[Flask]:
    yield from board(server_urls[db_kind], **store)


def operations(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Operation)) or 0)


def test_a_retry_replays_the_answer_and_the_work_runs_once(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    body = {"ids": [task(api_app, "mia task 1")]}
    key = {"Idempotency-Key": "retry-1"}
    first = mia.post(BULK, json=body, headers=key)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    again = mia.post(BULK, json=body, headers=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.mimetype == "application/json"
    assert operations(api_app) == 1

    other = mia.post(BULK, json={"ids": [task(api_app, "mia task 2")]}, headers=key)
    assert other.status_code == 422 and other.json["code"] == "key_reused"
    assert other.mimetype == "application/problem+json"
    # keys are the caller's own: max's "retry-1" is another key
    max_body = {"ids": [task(api_app, "max task 1")]}
    assert Caller(api_app, "max").post(BULK, json=max_body, headers=key).status_code == 200
    assert operations(api_app) == 2


def test_refusals_are_kept_too_but_not_rate_limits(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    locked = {"ids": [task(api_app, "mia task 2")]}
    key = {"Idempotency-Key": "refused"}
    first = mia.post(BULK, json=locked, headers=key)
    assert first.status_code == 409 and first.json["code"] == "blocked"
    again = mia.post(BULK, json=locked, headers=key)
    assert again.status_code == 409 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.mimetype == "application/problem+json"

    restore = f"/api/operations/{12345}/restore"
    api_app.config["TEST_WAITS"] = {("restore", "mia"): 1}
    assert mia.post(restore, headers={"Idempotency-Key": "later"}).status_code == 429
    api_app.config["TEST_WAITS"] = {}
    assert mia.post(restore, headers={"Idempotency-Key": "later"}).status_code == 404


def test_a_request_still_running_is_409_with_retry_after(api_app: Flask) -> None:
    entered, release = threading.Event(), threading.Event()
    api_app.config["TEST_GATE"] = (entered, release)
    body = {"filter": {"locked": "0"}, "expected_count": 1}
    key = {"Idempotency-Key": "slow"}
    answers: list[Any] = []

    def first() -> None:
        answers.append(Caller(api_app, "mia").post(BULK, json=body, headers=key))

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert entered.wait(timeout=30)
        api_app.config["TEST_GATE"] = None
        running = Caller(api_app, "mia").post(BULK, json=body, headers=key)
        assert running.status_code == 409 and running.json["code"] == "running"
        assert int(running.headers["Retry-After"]) >= 1
    finally:
        release.set()
        worker.join(timeout=60)
    assert answers[0].status_code == 200, answers[0].get_data(as_text=True)
    replay = Caller(api_app, "mia").post(BULK, json=body, headers=key)
    assert replay.status_code == 200 and replay.json == answers[0].json
    assert live(api_app) == ["max task 1", "max task 2", "mia task 2"]
    assert operations(api_app) == 1


def test_restore_and_purge_honour_the_key(api_app: Flask) -> None:
    mia, ada = Caller(api_app, "mia"), Caller(api_app, "ada")
    assert mia.delete(f"/api/tasks/{task(api_app, 'mia task 1')}").status_code == 204
    with api_app.app_context():
        op_id = db.session.scalar(select(Operation.id))
    url = f"/api/operations/{op_id}/restore"
    first = mia.post(url, headers={"Idempotency-Key": "r"})
    again = mia.post(url, headers={"Idempotency-Key": "r"})
    assert first.status_code == again.status_code == 200 and first.json == again.json
    assert mia.post(url).status_code == 409  # without the key: already settled
    assert operations(api_app) == 2
    purge = ada.post(
        url.replace("restore", "purge"), json={"reason": "x"}, headers={"Idempotency-Key": "r"}
    )
    assert purge.status_code == 409 and purge.json["code"] == "settled"
