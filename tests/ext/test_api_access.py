"""The extension's JSON API on a small multi-user app, on every database: what a caller may not
see is 404 on every endpoint (rows and operations of others), what they see but may not do is
403, nobody authenticated is 401, and a refused request changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flask_tombstone import Operation

from .board import Caller, Note, Task, board, db, doc, live, snapshot, task

PROBLEM = "application/problem+json"


@pytest.fixture
def api_app(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    yield from board(server_urls[db_kind])


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (status, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.json
    assert body["status"] == status and body["type"] and body["title"] and body["code"]
    return body


def row_requests(slug: str, key: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("DELETE", f"/api/{slug}/{key}", {}),
        ("GET", f"/api/{slug}/{key}/deletion-preview", {}),
        ("POST", f"/api/{slug}/bulk-delete", {"json": {"ids": [key]}}),
    ]


def test_other_peoples_rows_are_404_on_every_endpoint(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    before = snapshot(api_app)
    with api_app.app_context():
        theirs_only = select(Note.id).join(Task, Note.task_id == Task.id).where(Task.owner == "max")
        max_note = db.session.scalar(theirs_only.limit(1))
    theirs = [
        ("tasks", task(api_app, "max task 1")),
        ("tasks", task(api_app, "max task 2")),
        ("notes", max_note),
        ("docs", str(doc(api_app, "max"))),
    ]
    for slug, key in theirs:
        for method, url, extra in row_requests(slug, key):
            body = problem(mia.open(method, url, **extra), 404)
            assert "max" not in str(body)
    # a filter matches only what the caller sees: max's rows are not counted
    refused = mia.post(
        "/api/tasks/bulk-delete", json={"filter": {"q": "task"}, "expected_count": 4}
    )
    assert problem(refused, 409)["count"] == 2
    assert snapshot(api_app) == before


def test_seen_but_not_deletable_is_403_and_blocks_a_bulk_delete(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    before = snapshot(api_app)
    locked = task(api_app, "mia task 2")
    assert problem(mia.delete(f"/api/tasks/{locked}"), 403)["code"] == "forbidden"
    assert problem(mia.get(f"/api/tasks/{locked}/deletion-preview"), 403)["code"] == "forbidden"
    blocked = problem(mia.post("/api/tasks/bulk-delete", json={"ids": [locked]}), 409)
    assert blocked["code"] == "blocked"
    assert [b["reason"] for b in blocked["blockers"]] == ["forbidden"]
    assert blocked["blockers"][0]["row"]["label"] == "mia task 2"
    assert snapshot(api_app) == before


def test_nobody_authenticated_is_401_everywhere_but_the_document(api_app: Flask) -> None:
    nobody, stranger = Caller(api_app, None), Caller(api_app, None)
    stranger.headers = {"Authorization": "Bearer forged"}
    mine = task(api_app, "mia task 1")
    urls = [
        *row_requests("tasks", mine),
        ("GET", "/api/trash", {}),
        ("GET", "/api/operations", {}),
        ("POST", "/api/operations/1/restore", {}),
        ("POST", "/api/operations/1/purge", {"json": {"reason": "x"}}),
    ]
    for who in (nobody, stranger):
        for method, url, extra in urls:
            answer = who.open(method, url, **extra)
            problem(answer, 401)
            assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert nobody.get("/api/openapi.json").status_code == 200
    assert "mia task 1" in live(api_app)


def test_operations_are_scoped_restore_and_purge_by_rule(api_app: Flask) -> None:
    mia, max_, ada = (Caller(api_app, n) for n in ("mia", "max", "ada"))
    deleted = max_.delete(
        f"/api/tasks/{task(api_app, 'max task 1')}", headers={"Prefer": "return=representation"}
    )
    assert deleted.status_code == 200 and deleted.headers["Preference-Applied"]
    op = deleted.json
    assert op["counts"] == {"Task": 1, "Note": 3} and op["actor"] == "max"
    assert op["undo"] == f"/api/operations/{op['id']}/restore"

    for who, sees in ((mia, False), (max_, True), (ada, True)):
        trash = who.get("/api/trash").json
        log = who.get("/api/operations").json
        assert (op["id"] in [o["id"] for o in trash["items"]]) is sees
        assert (op["id"] in [o["id"] for o in log["items"]]) is sees
    before = snapshot(api_app)
    for action, extra in (("restore", {}), ("purge", {"json": {"reason": "x"}})):
        url = f"/api/operations/{op['id']}/{action}"
        assert problem(mia.post(url, **extra), 404)["code"] == "not_found"
    assert problem(max_.post(f"/api/operations/{op['id']}/purge", json={"reason": "x"}), 403)
    assert problem(mia.post("/api/operations/999999/restore"), 404)
    assert snapshot(api_app) == before

    listed = max_.get("/api/trash").json["items"][0]
    assert listed["restorable"] is True and listed["purgeable"] is False
    assert ada.get("/api/trash").json["items"][0]["purgeable"] is True

    restored = max_.post(f"/api/operations/{op['id']}/restore", json={"with_parents": False})
    assert restored.status_code == 200 and restored.json["kind"] == "restore"
    assert "max task 1" in live(api_app)
    again = problem(max_.post(f"/api/operations/{op['id']}/restore"), 409)
    assert again["code"] == "settled"
    log = max_.get("/api/operations?kind=delete").json["items"]
    assert log[0]["settled"] == "restore" and log[0]["undo"] is None
    # a restore is in the log, but it is no deletion to restore or purge
    assert problem(ada.post(f"/api/operations/{restored.json['id']}/restore"), 409)["code"] == (
        "not_deletion"
    )


def test_purge_needs_a_reason_and_removes_the_rows(api_app: Flask) -> None:
    mia, ada = Caller(api_app, "mia"), Caller(api_app, "ada")
    mine = task(api_app, "mia task 1")
    assert mia.delete(f"/api/tasks/{mine}").status_code == 204
    with api_app.app_context():
        op_id = db.session.scalar(select(Operation.id).where(Operation.actor == "mia"))
    url = f"/api/operations/{op_id}/purge"
    before = snapshot(api_app)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"why": "x"}):
        assert problem(ada.post(url, json=body), 422)["errors"]
    assert problem(ada.post(url), 422)  # no body at all
    assert snapshot(api_app) == before
    purged = ada.post(url, json={"reason": "gdpr request"})
    assert purged.status_code == 200 and purged.json["kind"] == "purge"
    assert purged.json["reason"] == "gdpr request"
    with api_app.app_context():
        gone = select(Task.id).where(Task.id == mine).execution_options(include_deleted=True)
        assert db.session.scalar(gone) is None
    assert problem(mia.post(f"/api/operations/{op_id}/restore"), 409)["code"] == "settled"


def test_bulk_delete_by_ids_and_by_filter(api_app: Flask) -> None:
    mia, max_ = Caller(api_app, "mia"), Caller(api_app, "max")
    one = task(api_app, "mia task 1")
    done = mia.post("/api/tasks/bulk-delete", json={"ids": [one], "reason": "tidy"})
    assert done.status_code == 200
    assert done.json["counts"] == {"Task": 1, "Note": 3} and done.json["reason"] == "tidy"
    by_filter = {"filter": {"locked": "0"}, "expected_count": 1}
    answer = max_.post("/api/tasks/bulk-delete", json=by_filter)
    assert answer.status_code == 200 and answer.json["counts"]["Task"] == 1
    assert live(api_app) == ["max task 2", "mia task 2"]
