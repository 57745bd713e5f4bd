"""``Idempotency-Key`` on bulk delete: a retry gets the same answer, never a second delete."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from taskboard_support import World
from test_api_contract import assert_problem

from taskboard.extensions import db
from taskboard.models import IdempotentRequest, Operation

pytestmark = pytest.mark.servers
URL = "/api/items/bulk-delete"


def deletes(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Operation).filter_by(kind="delete").count()


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


def test_a_key_still_running_is_409(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    body = {"ids": [world.max_item]}
    from taskboard.api.idempotency import fingerprint

    with app.test_request_context(URL, method="POST"):
        print_ = fingerprint(body)
    with app.app_context():
        db.session.add(IdempotentRequest(user_id=world.mia, key="k-4", fingerprint=print_))
        db.session.commit()
    assert_problem(mia.open("POST", URL, json=body, headers={"Idempotency-Key": "k-4"}), 409)
    assert deletes(app) == 0


def test_keys_are_per_user(app: Flask, api: Any, world: World) -> None:
    headers = {"Idempotency-Key": "shared"}
    mine = api("mia").open("POST", URL, json={"ids": [world.max_item]}, headers=headers)
    assert mine.status_code == 200
    other = api("otto").open("POST", URL, json={"ids": [world.omega_item]}, headers=headers)
    assert other.status_code == 200
    assert deletes(app) == 2
