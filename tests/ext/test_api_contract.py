"""The extension's JSON API, its contract on every database: problem+json for every refusal
(malformed, too deep, too large, wrong types, non-canonical ids, unknown parameters),
If-Match (412, 428), Prefer, confirm tokens, caps, rate limits and an unavailable database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from flask_tombstone import Operation

from .board import Caller, Note, Task, board, create_app, db, doc, live, snapshot, task

PROBLEM = "application/problem+json"


@pytest.fixture
def api_app(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    yield from board(server_urls[db_kind], TOMBSTONE_API_MAX_BODY=4096)


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    text = response.get_data(as_text=True)
    assert response.status_code == status, (status, text)
    assert response.mimetype == PROBLEM, text
    body: dict[str, Any] = response.json
    assert body["status"] == status and body["type"].startswith("https://")
    assert body["title"] and body["detail"] and "Traceback" not in text
    if code is not None:
        assert body["code"] == code, body
    return body


def raw(data: bytes | str, content_type: str = "application/json") -> dict[str, Any]:
    return {"data": data, "content_type": content_type}


BULK = "/api/tasks/bulk-delete"
DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        (raw("{"), 400, "malformed"),
        (raw(DEEP), 400, "too_deep"),
        (raw('{"ids": ' + "[" * 40 + "]" * 40 + "}"), 400, "too_deep"),
        (raw("x" * 5000), 413, "too_large"),
        (raw(b'{"ids": [1], "reason": "\xff"}'), 400, "malformed"),
        (raw('{"ids": [1], "ids": [2]}'), 400, "malformed"),
        (raw('{"ids": [NaN]}'), 400, "malformed"),
        (raw('{"ids": [1e999]}'), 400, "malformed"),
        (raw('{"ids": [1], "reason": "a\\u0000b"}'), 400, "malformed"),
        (raw('{"ids": [1]}', "text/plain"), 415, "unsupported_media_type"),
        (raw(""), 422, "invalid"),
        ({"json": []}, 422, "invalid"),
        ({"json": {"ids": "1"}}, 422, "invalid"),
        ({"json": {"ids": [1.5]}}, 422, "invalid"),
        ({"json": {"ids": [True]}}, 422, "invalid"),
        ({"json": {"ids": ["1"]}}, 422, "invalid"),
        ({"json": {"ids": []}}, 422, "invalid"),
        ({"json": {"ids": [1, 1]}}, 422, "invalid"),
        ({"json": {"ids": [2**70]}}, 422, "invalid"),
        ({"json": {"ids": [1], "extra": 1}}, 422, "invalid"),
        ({"json": {"ids": [1], "filter": {"q": "x"}}}, 422, "invalid"),
        ({"json": {}}, 400, "filter_required"),
        ({"json": {"filter": {}, "expected_count": 1}}, 400, "filter_required"),
        ({"json": {"filter": {"q": "x"}}}, 422, "invalid"),
        ({"json": {"filter": {"q": ""}, "expected_count": 1}}, 422, "invalid"),
        ({"json": {"filter": {"q": 5}, "expected_count": 1}}, 422, "invalid"),
        ({"json": {"filter": {"owner": "max"}, "expected_count": 1}}, 422, "invalid"),
        ({"json": {"filter": {"locked": "2"}, "expected_count": 1}}, 422, "invalid"),
        ({"json": {"filter": {"q": "x"}, "expected_count": -1}}, 422, "invalid"),
        ({"json": {"ids": [1], "confirm_token": "nope"}}, 422, "invalid"),
        ({"json": {"ids": [1]}, "headers": {"Idempotency-Key": "k" * 201}}, 400, "malformed"),
        ({"json": {"ids": [1]}, "query_string": {"x": "1"}}, 422, "invalid"),
    ],
)
def test_bulk_delete_refuses_what_does_not_validate(
    api_app: Flask, extra: dict[str, Any], status: int, code: str
) -> None:
    before = snapshot(api_app)
    problem(Caller(api_app, "mia").post(BULK, **extra), status, code)
    assert snapshot(api_app) == before


def test_a_filter_is_only_for_models_registered_with_one(api_app: Flask) -> None:
    body = {"filter": {"body": "note 0"}, "expected_count": 1}
    found = problem(Caller(api_app, "mia").post("/api/notes/bulk-delete", json=body), 422)
    assert found["errors"][0]["pointer"] == "/filter"


@pytest.mark.parametrize(
    "path",
    ["01", "+1", "1.0", "-0", "%EF%BC%91", "1%20", "x", "99999999999999999999999"],
    ids=["zero", "plus", "float", "minus-zero", "full-width", "space", "word", "huge"],
)
def test_ids_are_canonical(api_app: Flask, path: str) -> None:
    mia = Caller(api_app, "mia")
    for method, url in (
        ("DELETE", f"/api/tasks/{path}"),
        ("GET", f"/api/tasks/{path}/deletion-preview"),
    ):
        problem(mia.open(method, url), 404, "not_found")
    for url in (f"/api/operations/{path}/restore", "/api/operations/0/restore"):
        problem(mia.post(url), 404, "not_found")
    problem(mia.post("/api/operations/2147483648/restore"), 404, "not_found")
    assert "mia task 1" in live(api_app)


def test_uuid_keys_take_their_canonical_form_only(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    key = doc(api_app, "mia")
    for form in (str(key).upper(), "{" + str(key) + "}", key.hex, "urn:uuid:" + str(key)):
        problem(mia.get(f"/api/docs/{form}/deletion-preview"), 404, "not_found")
        problem(mia.post("/api/docs/bulk-delete", json={"ids": [form]}), 422, "invalid")
    assert mia.get(f"/api/docs/{key}/deletion-preview").status_code == 200
    assert mia.delete(f"/api/docs/{key}").status_code == 204


def test_unrouted_urls_under_the_prefix_are_problems(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    problem(mia.get("/api/nothing/here/at/all"), 404, "not_found")
    problem(mia.delete("/api/widgets/1"), 404, "not_found")
    wrong = problem(mia.get("/api/tasks/1"), 405, "method_not_allowed")
    assert wrong == mia.get("/api/tasks/1").json
    assert "DELETE" in mia.get("/api/tasks/1").headers["Allow"]
    problem(mia.open("PUT", "/api/trash"), 405, "method_not_allowed")
    assert mia.get("/elsewhere").mimetype != PROBLEM  # the app's own pages keep theirs


@pytest.mark.parametrize(
    "query",
    [
        "zz=1",
        "page=0",
        "page=01",
        "page=x",
        "per_page=101",
        "per_page=1&per_page=2",
        "model=Nothing",
        "kind=erase",
        "status=gone",
        "mine=yes",
        "since=2025-13-01",
        "since=2025-02-30",
        "since=2025-02-02&until=2025-02-01",
        "q=",
        "q=" + "x" * 201,
        "actor=a%00b",
    ],
)
def test_listings_refuse_unknown_or_invalid_parameters(api_app: Flask, query: str) -> None:
    mia = Caller(api_app, "mia")
    body = problem(mia.get(f"/api/operations?{query}"), 422, "invalid")
    assert body["errors"][0]["parameter"]
    if not query.startswith(("kind", "status", "mine")):
        problem(mia.get(f"/api/trash?{query}"), 422, "invalid")


def test_listings_paginate_and_filter(api_app: Flask) -> None:
    mia, ada = Caller(api_app, "mia"), Caller(api_app, "ada")
    for title in ("mia task 1",):
        assert mia.delete(f"/api/tasks/{task(api_app, title)}").status_code == 204
    key = doc(api_app, "mia")
    assert mia.delete(f"/api/docs/{key}", query_string={"reason": "old"}).status_code == 204
    trash = mia.get("/api/trash?per_page=1").json
    assert trash["total"] == 2 and len(trash["items"]) == 1 and trash["per_page"] == 1
    assert trash["items"][0]["root_model"] == "Doc"  # newest first
    assert mia.get("/api/trash?per_page=1&page=2").json["items"][0]["root_model"] == "Task"
    assert mia.get("/api/trash?model=Task").json["total"] == 1
    assert mia.get("/api/operations?q=old").json["items"][0]["reason"] == "old"
    assert mia.get("/api/operations?mine=true").json["total"] == 2
    assert ada.get("/api/operations?mine=true").json["total"] == 0
    assert ada.get("/api/operations?actor=mia&since=2000-01-01").json["total"] == 2
    assert ada.get("/api/operations?until=2000-01-01T00:00Z").json["total"] == 0


def test_if_match_is_checked_against_the_rows_etag(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    one = task(api_app, "mia task 1")
    preview = mia.get(f"/api/tasks/{one}/deletion-preview")
    etag = preview.headers["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    before = snapshot(api_app)
    for stale in ('"0123"', f"W/{etag}", '"x", "y"'):
        refused = mia.delete(f"/api/tasks/{one}", headers={"If-Match": stale})
        problem(refused, 412, "precondition_failed")
    problem(mia.delete(f"/api/tasks/{one}", headers={"If-Match": "nonsense"}), 400, "malformed")
    with api_app.app_context():
        db.session.execute(update(Task).where(Task.id == one).values(title="renamed"))
        db.session.commit()
    problem(mia.delete(f"/api/tasks/{one}", headers={"If-Match": etag}), 412)
    assert snapshot(api_app) == before
    fresh = mia.get(f"/api/tasks/{one}/deletion-preview").headers["ETag"]
    assert fresh != etag
    done = mia.delete(f"/api/tasks/{one}", headers={"If-Match": f'"other", {fresh}'})
    assert done.status_code == 204 and done.get_data() == b""
    two = task(api_app, "max task 1")
    assert (
        Caller(api_app, "max").delete(f"/api/tasks/{two}", headers={"If-Match": "*"}).status_code
        == 204
    )


def test_if_match_can_be_required(api_app: Flask) -> None:
    api_app.config["TOMBSTONE_API_REQUIRE_IF_MATCH"] = True
    mia = Caller(api_app, "mia")
    one = task(api_app, "mia task 1")
    problem(mia.delete(f"/api/tasks/{one}"), 428, "precondition_required")
    spec = mia.get("/api/openapi.json").json
    header = [
        p
        for p in spec["paths"]["/api/tasks/{id}"]["delete"]["parameters"]
        if p["name"] == "If-Match"
    ]
    assert header[0]["required"] is True
    etag = mia.get(f"/api/tasks/{one}/deletion-preview").headers["ETag"]
    assert mia.delete(f"/api/tasks/{one}", headers={"If-Match": etag}).status_code == 204


def test_a_changed_plan_is_409_and_deletes_nothing(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    one = task(api_app, "mia task 1")
    token = mia.get(f"/api/tasks/{one}/deletion-preview").json["token"]
    with api_app.app_context():
        db.session.add(Note(body="late", task_id=one))
        db.session.commit()
    before = snapshot(api_app)
    changed = problem(mia.delete(f"/api/tasks/{one}?confirm_token={token}"), 409, "changed")
    assert changed["expected_token"] == token and changed["current_token"] != token
    body = {"ids": [one], "confirm_token": token}
    problem(mia.post(BULK, json=body), 409, "changed")
    assert snapshot(api_app) == before
    fresh = mia.get(f"/api/tasks/{one}/deletion-preview").json["token"]
    assert mia.delete(f"/api/tasks/{one}?confirm_token={fresh}").status_code == 204


def test_bulk_caps_and_expected_count(api_app: Flask) -> None:
    api_app.config["TOMBSTONE_API_BULK_CAP"] = 2
    with api_app.app_context():
        db.session.add_all(Task(title=f"mia extra {i}", owner="mia") for i in range(2))
        db.session.commit()
        ids = list(db.session.scalars(select(Task.id).where(Task.owner == "mia")))
    mia = Caller(api_app, "mia")
    before = snapshot(api_app)
    over = problem(mia.post(BULK, json={"ids": ids[:3]}), 400, "over_cap")
    assert over["cap"] == 2 and "2" in over["detail"]
    body = {"filter": {"locked": "0"}, "expected_count": 3}
    assert problem(mia.post(BULK, json=body), 400, "over_cap")["count"] == 3
    api_app.config["TOMBSTONE_API_BULK_CAP"] = 10
    mismatch = problem(mia.post(BULK, json=body | {"expected_count": 2}), 409, "count_mismatch")
    assert mismatch["count"] == 3 and mismatch["expected_count"] == 2
    problem(mia.post(BULK, json={"ids": [*ids[:1], 999999]}), 404, "not_found")
    assert snapshot(api_app) == before
    spec = mia.get("/api/openapi.json").json
    by_ids = spec["paths"]["/api/tasks/bulk-delete"]["post"]["requestBody"]["content"]
    assert by_ids["application/json"]["schema"]["oneOf"][0]["properties"]["ids"]["maxItems"] == 10
    assert mia.post(BULK, json=body).status_code == 200
    assert live(api_app) == ["max task 1", "max task 2", "mia task 2"]


def test_the_rate_limit_hook_answers_429(api_app: Flask) -> None:
    api_app.config["TEST_WAITS"] = {("delete", "mia"): 2.2, ("trash", "mia"): 0}
    mia = Caller(api_app, "mia")
    limited = mia.delete(f"/api/tasks/{task(api_app, 'mia task 1')}")
    body = problem(limited, 429, "rate_limited")
    assert limited.headers["Retry-After"] == "3" and body["retry_after"] == 3
    assert mia.get("/api/trash").status_code == 200
    assert (
        Caller(api_app, "max").delete(f"/api/tasks/{task(api_app, 'max task 1')}").status_code
        == 204
    )
    assert "mia task 1" in live(api_app)


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-dir/none.sqlite", "postgresql+psycopg://postgres@127.0.0.1:1/none"],
    ids=["sqlite", "postgresql"],
)
def test_an_unavailable_database_is_503_with_retry_after(url: str) -> None:
    app = create_app(url)
    mia = Caller(app, "mia")
    for method, path in (
        ("DELETE", "/api/tasks/1"),
        ("GET", "/api/tasks/1/deletion-preview"),
        ("GET", "/api/trash"),
        ("POST", "/api/operations/1/restore"),
    ):
        answer = mia.open(method, path)
        problem(answer, 503, "unavailable")
        assert answer.headers["Retry-After"] == "5"
    answer = mia.post(BULK, json={"ids": [1]}, headers={"Idempotency-Key": "k1"})
    problem(answer, 503, "unavailable")
    with app.app_context():
        db.engine.dispose()


def test_the_operation_is_the_representation_on_request(api_app: Flask) -> None:
    mia = Caller(api_app, "mia")
    one = task(api_app, "mia task 1")
    plain = mia.delete(f"/api/tasks/{one}", headers={"Prefer": "handling=lenient"})
    assert plain.status_code == 204
    with api_app.app_context():
        op = db.session.scalars(select(Operation)).one()
        assert op.counts == {"Task": 1, "Note": 3} and op.actor == "mia"
    two = task(api_app, "max task 1")
    shown = Caller(api_app, "max").delete(
        f"/api/tasks/{two}",
        headers={"Prefer": "respond-async, return=representation; x=1"},
    )
    assert shown.status_code == 200 and shown.json["expires_at"].endswith("Z")


def test_the_api_serves_the_views_registrations(db_kind: str, server_urls: dict[str, str]) -> None:
    """Given the HTML views, the API takes their models, slugs, filters and access rules, and
    both are mounted side by side."""
    from flask_tombstone.access import Access
    from flask_tombstone.api import DeletionAPI
    from flask_tombstone.views import DeletionViews

    from . import board as small

    app = Flask(__name__)
    app.config |= {"SQLALCHEMY_DATABASE_URI": server_urls[db_kind], "SECRET_KEY": "t"}
    db.init_app(app)
    tombstone = small.Tombstone(app, db=db)
    access = Access(actor=small.bearer, login_required=True, visible=small.visible)
    views = DeletionViews(app, tombstone, access=access)
    views.register(Task, slug="tasks", filter=small.task_filter)
    DeletionAPI(app, tombstone, views=views)
    views.register(Note, slug="notes")  # registered after: the API sees it too
    small.seed(app)
    try:
        mia = Caller(app, "mia")
        body = {"filter": {"locked": "1"}, "expected_count": 1}
        assert mia.post(BULK, json=body).status_code == 200  # the views' filter, mia's rows only
        assert live(app) == ["max task 1", "max task 2", "mia task 1"]
        problem(mia.delete(f"/api/tasks/{task(app, 'max task 1')}"), 404)  # the views' access
        with app.app_context():
            note = db.session.scalar(select(Note.id).join(Task).where(Task.owner == "mia"))
        assert mia.delete(f"/api/notes/{note}").status_code == 204
        assert mia.get(f"/tasks/{task(app, 'mia task 1')}/delete").status_code == 200  # HTML
        spec = mia.get("/api/openapi.json").json
        assert {"/api/tasks/bulk-delete", "/api/notes/bulk-delete"} <= set(spec["paths"])
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
