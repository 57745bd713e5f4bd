"""The trash and the operations log over the API: scoped listing, exact restore, conflicts
as structured 409s, admins' purge, the log's filters, and every status code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import schemathesis
from flask import Flask
from sqlalchemy import func, select, update
from taskboard_support import World, live, raw
from test_api_contract import assert_problem, error_fields

from taskboard.extensions import db
from taskboard.models import Comment, Item, Operation, Project, Tag, project_member

pytestmark = pytest.mark.servers
ENDPOINTS = [
    ("GET", "/api/trash"),
    ("GET", "/api/operations"),
    ("POST", "/api/operations/1/restore"),
    ("POST", "/api/operations/1/purge"),
]


def deleted(caller: Any, url: str) -> dict[str, Any]:
    """Delete through the API and return the operation."""
    response = caller.delete(url, headers={"Prefer": "return=representation"})
    assert response.status_code == 200, response.text
    operation: dict[str, Any] = response.json
    return operation


def restore(caller: Any, op_id: int, **body: Any) -> Any:
    return caller.open("POST", f"/api/operations/{op_id}/restore", json=body)


def purge(caller: Any, op_id: int, **body: Any) -> Any:
    return caller.open("POST", f"/api/operations/{op_id}/purge", json=body)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [entry["id"] for entry in response.json["items"]]


def operation_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Operation)) or 0)


# -- the document and authentication ---------------------------------------------------------
def test_the_endpoints_are_documented(app: Flask) -> None:
    paths = app.test_client().get("/api/openapi.json").json["paths"]
    assert "get" in paths["/api/trash"] and "get" in paths["/api/operations"]
    assert "post" in paths["/api/operations/{op_id}/restore"]
    assert "post" in paths["/api/operations/{op_id}/purge"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_token(api: Any, world: World, method: str, url: str) -> None:
    response = api(None).open(method, url, json={"reason": "x"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- the trash -------------------------------------------------------------------------------
def test_the_trash_holds_what_each_caller_reads_saying_what_they_may_restore(
    api: Any, world: World
) -> None:
    mia, max_, otto, ada = api("mia"), api("max"), api("otto"), api("ada")
    alpha = deleted(mia, f"/api/items/{world.alpha_item}")
    mine = deleted(max_, f"/api/items/{world.max_item}")
    omega = deleted(otto, f"/api/items/{world.omega_item}")

    assert ids(mia.get("/api/trash")) == [mine["id"], alpha["id"]]  # newest first
    # max reads Alpha's log: mia's deletion is in his trash too, not his to restore.
    maxs = max_.get("/api/trash").json["items"]
    assert [(e["id"], e["restorable"]) for e in maxs] == [(mine["id"], True), (alpha["id"], False)]
    assert maxs[1]["undo"] is None and maxs[1]["purgeable"] is False
    assert ids(otto.get("/api/trash")) == [omega["id"]]
    assert ids(ada.get("/api/trash")) == [omega["id"], mine["id"], alpha["id"]]

    entry = mia.get("/api/trash").json["items"][1]
    assert entry["undo"] == f"/api/operations/{alpha['id']}/restore"
    assert entry["counts"] == {"Item": 1, "Comment": 1}
    assert entry["kind"] == "delete" and entry["status"] == "done"
    assert entry["root_model"] == "Item" and entry["actor"] == "mia"
    assert entry["expires_at"] > entry["created_at"]
    assert entry["samples"] == {"Item": ["Write spec"], "Comment": ["Looks good"]}
    assert "Omega" not in str(mia.get("/api/trash").json)


def test_the_trash_is_paginated_and_filtered_by_kind(api: Any, world: World) -> None:
    mia = api("mia")
    item = deleted(mia, f"/api/items/{world.max_item}")
    tag = deleted(mia, f"/api/tags/{world.alpha_tag}")
    first = mia.get("/api/trash?per_page=1").json
    assert [e["id"] for e in first["items"]] == [tag["id"]]
    assert (first["total"], first["page"], first["per_page"]) == (2, 1, 1)
    assert ids(mia.get("/api/trash?per_page=1&page=2")) == [item["id"]]
    assert ids(mia.get("/api/trash?per_page=1&page=3")) == []
    assert ids(mia.get("/api/trash?model=Tag")) == [tag["id"]]
    assert ids(mia.get("/api/trash?model=Project")) == []


@pytest.mark.parametrize("query", ["model=Nonsense", "page=0", "per_page=101", "sort=id"])
def test_the_trash_refuses_an_invalid_or_unknown_filter(api: Any, query: str) -> None:
    body = assert_problem(api("mia").get(f"/api/trash?{query}"), 422)
    assert query.split("=", maxsplit=1)[0] in error_fields(body, "query")


# -- restore ---------------------------------------------------------------------------------
def snapshot(caller: Any, world: World, *, updated_at: bool = False) -> dict[str, Any]:
    """Project Alpha and everything in it, as the API shows it (items without ``updated_at``
    unless asked: see :func:`test_restore_keeps_updated_at`)."""
    items = caller.get(f"/api/items?project_id={world.alpha}").json
    if not updated_at:
        for item in items["items"]:
            del item["updated_at"]
    return {
        "project": caller.get(f"/api/projects/{world.alpha}").json,
        "items": items,
        "tags": caller.get(f"/api/tags?project_id={world.alpha}").json,
        "comments": caller.get(f"/api/comments?item_id={world.alpha_item}").json,
    }


def backdate_items(app: Flask) -> None:
    """Set every item's ``updated_at`` in the past, so a bump cannot go unseen."""
    with app.app_context():
        db.session.execute(update(Item).values(updated_at=datetime(2020, 1, 1)))
        db.session.commit()


def member_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(project_member)) or 0)


def test_restore_brings_back_exactly_the_tree(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    backdate_items(app)
    before, members = snapshot(mia, world), member_count(app)
    operation = deleted(mia, f"/api/projects/{world.alpha}")
    assert operation["counts"] == {"Project": 1, "Item": 2, "Comment": 1, "Tag": 1}
    assert live(app, Project, world.alpha) is None

    response = restore(mia, operation["id"])
    assert response.status_code == 200, response.text
    restored = response.json
    assert restored["kind"] == "restore" and restored["status"] == "done"
    assert restored["ref_op"] == operation["id"]
    assert restored["counts"] == operation["counts"]
    assert restored["undo"] is None and restored["expires_at"] is None
    assert restored["parents"] == [] and restored["actor"] == "mia"
    assert snapshot(mia, world) == before
    assert member_count(app) == members
    assert ids(mia.get("/api/trash")) == []


def test_restore_keeps_updated_at(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    backdate_items(app)
    before = snapshot(mia, world, updated_at=True)
    restore(mia, deleted(mia, f"/api/projects/{world.alpha}")["id"])
    assert snapshot(mia, world, updated_at=True) == before


def test_restoring_twice_or_a_non_deletion_is_409(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    operation = deleted(mia, f"/api/items/{world.max_item}")
    restored = restore(mia, operation["id"]).json
    body = assert_problem(restore(mia, operation["id"]), 409)
    assert body["code"] == "settled" and "already restored" in body["detail"]
    body = assert_problem(restore(mia, restored["id"]), 409)
    assert body["code"] == "not_deletion"
    assert operation_count(app) == 2


def test_unknown_invisible_and_forbidden_restores(app: Flask, api: Any, world: World) -> None:
    operation = deleted(api("mia"), f"/api/items/{world.alpha_item}")
    assert_problem(restore(api("mia"), 999_999), 404)
    # otto is on another team: the operation does not exist for him.
    body = assert_problem(restore(api("otto"), operation["id"]), 404)
    assert "Write spec" not in str(body)
    # max reads Alpha's log, but the deletion is mia's, in mia's project.
    assert_problem(restore(api("max"), operation["id"]), 403)
    assert live(app, Item, world.alpha_item) is None
    assert operation_count(app) == 1


@pytest.mark.parametrize("body", [{"with_parents": "perhaps"}, {"with_parents": True, "x": 1}])
def test_an_invalid_restore_body_is_422(app: Flask, api: Any, world: World, body: Any) -> None:
    operation = deleted(api("mia"), f"/api/items/{world.alpha_item}")
    assert_problem(restore(api("mia"), operation["id"], **body), 422)
    assert live(app, Item, world.alpha_item) is None


def test_a_parent_in_the_trash_is_a_structured_409_and_both_can_come_back(
    app: Flask, api: Any, world: World
) -> None:
    mia = api("mia")
    comment = deleted(mia, f"/api/comments/{world.alpha_comment}")
    item = deleted(mia, f"/api/items/{world.alpha_item}")

    body = assert_problem(restore(mia, comment["id"]), 409)
    assert body["code"] == "conflict"
    assert body["conflict_count"] == 1
    (conflict,) = body["conflicts"]
    assert conflict["reason"] == "parent_in_trash"
    assert conflict["row"] == {"model": "Comment", "id": world.alpha_comment, "label": "Looks good"}
    assert conflict["other"]["model"] == "Item" and conflict["other"]["id"] == world.alpha_item
    assert conflict["other_operation"] == item["id"]
    assert body["retry_with_parents"] == [item["id"]]
    assert "cannot be restored" in body["detail"]
    assert live(app, Comment, world.alpha_comment) is None

    response = restore(mia, comment["id"], with_parents=True)
    assert response.status_code == 200, response.text
    assert response.json["ref_op"] == comment["id"]
    assert [p["ref_op"] for p in response.json["parents"]] == [item["id"]]
    assert live(app, Item, world.alpha_item) is not None
    assert live(app, Comment, world.alpha_comment) is not None


def test_with_parents_needs_the_right_to_restore_the_parent(
    app: Flask, api: Any, world: World
) -> None:
    comment = deleted(api("max"), f"/api/comments/{world.alpha_comment}")
    deleted(api("ada"), f"/api/items/{world.alpha_item}")
    body = assert_problem(restore(api("max"), comment["id"], with_parents=True), 409)
    assert body["conflicts"][0]["reason"] == "parent_in_trash"
    assert "retry_with_parents" not in body
    assert live(app, Item, world.alpha_item) is None
    assert live(app, Comment, world.alpha_comment) is None


def test_a_taken_unique_value_is_a_structured_409(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    operation = deleted(mia, f"/api/tags/{world.alpha_tag}")
    with app.app_context():
        db.session.add(Tag(name="bug", project_id=world.alpha))
        db.session.commit()
    body = assert_problem(restore(mia, operation["id"]), 409)
    (conflict,) = body["conflicts"]
    assert conflict["reason"] == "unique"
    assert conflict["row"]["id"] == world.alpha_tag
    assert conflict["other"]["model"] == "Tag" and conflict["other"]["id"] != world.alpha_tag
    assert set(conflict["columns"]) == {"project_id", "name"}
    assert "retry_with_parents" not in body
    assert live(app, Tag, world.alpha_tag) is None
    assert ids(mia.get("/api/trash")) == [operation["id"]]


# -- purge -----------------------------------------------------------------------------------
def test_admins_purge_for_good_with_a_reason(app: Flask, api: Any, world: World) -> None:
    mia, ada = api("mia"), api("ada")
    operation = deleted(mia, f"/api/projects/{world.alpha}")

    assert_problem(purge(mia, operation["id"], reason="cleanup"), 403)  # sees it, not admin
    assert_problem(purge(api("otto"), operation["id"], reason="cleanup"), 404)
    assert_problem(purge(ada, 999_999, reason="cleanup"), 404)
    body = assert_problem(purge(ada, operation["id"]), 422)
    assert "reason" in error_fields(body)
    assert_problem(purge(ada, operation["id"], reason="   "), 422)
    assert_problem(purge(ada, operation["id"], reason="x" * 501), 422)
    assert raw(app, Project, world.alpha) is not None
    assert operation_count(app) == 1

    response = purge(ada, operation["id"], reason="retention")
    assert response.status_code == 200, response.text
    purged = response.json
    assert purged["kind"] == "purge" and purged["reason"] == "retention"
    assert purged["ref_op"] == operation["id"] and purged["actor"] == "ada"
    assert purged["counts"] == operation["counts"]
    assert purged["undo"] is None
    for model, ident in (
        (Project, world.alpha),
        (Item, world.alpha_item),
        (Item, world.max_item),
        (Comment, world.alpha_comment),
        (Tag, world.alpha_tag),
    ):
        assert raw(app, model, ident) is None
    assert ids(ada.get("/api/trash")) == []
    assert assert_problem(purge(ada, operation["id"], reason="again"), 409)["code"] == "settled"
    assert assert_problem(restore(ada, operation["id"]), 409)["code"] == "settled"


# -- the log ---------------------------------------------------------------------------------
def test_the_log_is_scoped_to_the_callers_projects(api: Any, world: World) -> None:
    alpha = deleted(api("mia"), f"/api/items/{world.alpha_item}")
    omega = deleted(api("otto"), f"/api/items/{world.omega_item}")
    assert ids(api("mia").get("/api/operations")) == [alpha["id"]]
    assert ids(api("max").get("/api/operations")) == [alpha["id"]]  # on the team: reads it
    assert ids(api("otto").get("/api/operations")) == [omega["id"]]
    assert ids(api("ada").get("/api/operations")) == [omega["id"], alpha["id"]]
    # max reads it but may not undo it: no undo link for him.
    assert api("max").get("/api/operations").json["items"][0]["undo"] is None
    assert api("mia").get("/api/operations").json["items"][0]["undo"].endswith("/restore")


def test_the_log_filters_and_pages(api: Any, world: World) -> None:
    mia, max_ = api("mia"), api("max")
    tag = deleted(mia, f"/api/tags/{world.alpha_tag}")
    item = deleted(max_, f"/api/items/{world.max_item}")
    back = restore(mia, item["id"]).json
    log = "/api/operations"

    assert ids(mia.get(log)) == [back["id"], item["id"], tag["id"]]
    assert ids(mia.get(f"{log}?kind=restore")) == [back["id"]]
    assert ids(mia.get(f"{log}?kind=delete&model=Tag")) == [tag["id"]]
    assert ids(mia.get(f"{log}?status=done&kind=purge")) == []
    assert len(ids(mia.get(f"{log}?status=done"))) == 3
    assert ids(mia.get(f"{log}?actor=MAX")) == [item["id"]]
    assert ids(mia.get(f"{log}?actor=nobody")) == []
    assert ids(mia.get(f"{log}?mine=true")) == [back["id"], tag["id"]]
    assert ids(max_.get(f"{log}?mine=true")) == [item["id"]]
    assert len(ids(mia.get(f"{log}?project_id={world.alpha}"))) == 3
    assert ids(mia.get(f"{log}?project_id={world.omega}")) == []  # not hers: nothing
    assert ids(mia.get(f"{log}?since=2000-01-01T00:00:00Z")) == ids(mia.get(log))
    assert ids(mia.get(log, query_string={"until": "2000-01-01T05:00:00+05:00"})) == []
    created = tag["created_at"]
    assert tag["id"] in ids(mia.get(log, query_string={"since": created}))
    assert tag["id"] not in ids(mia.get(log, query_string={"until": created}))
    # A window that ends before it starts is refused (the deletion API's rule); times UTC
    # cannot write are the first or last there are.
    inverted = {"since": created, "until": "2000-01-01T00:00:00"}
    assert "since" in error_fields(
        assert_problem(mia.get(log, query_string=inverted), 422), "query"
    )
    edges = {"since": "0001-01-01T00:00:00+01:00", "until": "9999-12-31T23:00:00-05:00"}
    assert ids(mia.get(log, query_string=edges)) == ids(mia.get(log))

    page = mia.get(f"{log}?per_page=2&page=2").json
    assert (page["total"], page["page"], page["per_page"]) == (3, 2, 2)
    assert [e["id"] for e in page["items"]] == [tag["id"]]
    assert page["items"][0]["actor"] == "mia"


@pytest.mark.parametrize(
    "query",
    [
        "kind=erase",
        "status=failed",
        "model=Nonsense",
        "project_id=abc",
        "since=yesterday",
        "mine=perhaps",
        "per_page=0",
        "owner=mia",
        "project_id=01",
        "actor=%20",
    ],
)
def test_the_log_refuses_an_invalid_or_unknown_filter(api: Any, query: str) -> None:
    body = assert_problem(api("mia").get(f"/api/operations?{query}"), 422)
    assert error_fields(body, "query")


# -- the document describes the answers --------------------------------------------------------
def test_answers_conform_to_the_document(app: Flask, api: Any, world: World) -> None:
    """Each endpoint's answers, with every kind of entry, validated against the served document
    (schemathesis in ``test_api_schema.py`` mostly meets an empty trash)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    mia, ada = api("mia"), api("ada")
    comment = deleted(mia, f"/api/comments/{world.alpha_comment}")
    deleted(mia, f"/api/items/{world.alpha_item}")
    tag = deleted(mia, f"/api/tags/{world.alpha_tag}")
    conflict = restore(mia, comment["id"])
    restored = restore(mia, comment["id"], with_parents=True)
    purged = purge(ada, tag["id"], reason="duplicate")
    assert (conflict.status_code, restored.status_code, purged.status_code) == (409, 200, 200)
    assert restored.json["parents"]

    answers = [
        ("/api/trash", "GET", mia.get("/api/trash")),
        ("/api/operations", "GET", ada.get("/api/operations")),
        ("/api/operations/{op_id}/restore", "POST", conflict),
        ("/api/operations/{op_id}/restore", "POST", restored),
        ("/api/operations/{op_id}/purge", "POST", purged),
        ("/api/operations/{op_id}/purge", "POST", purge(ada, tag["id"])),
    ]
    kinds = {entry["kind"] for entry in answers[1][2].json["items"]}
    assert kinds == {"delete", "restore", "purge"}
    for path, method, response in answers:
        schema[path][method].validate_response(response)
