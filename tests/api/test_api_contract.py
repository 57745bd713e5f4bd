"""The API's HTTP contract: OpenAPI document, problem+json errors, bearer auth, items."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from taskboard_support import Browser, World, live

from taskboard.models import Item

pytestmark = pytest.mark.servers
PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.json
    assert body["status"] == status and body["title"]
    assert "Traceback" not in response.text
    return body


def error_fields(body: dict[str, Any], location: str = "json", within: str = "") -> set[str]:
    """The fields a problem's ``errors`` name, as the resources' views spell them (webargs':
    ``{"json": {"name": [...]}}``) or as the deletion API does (``[{"pointer": "/filter/q"}]``,
    ``[{"parameter": "model"}]``); ``within`` an object of the body (``filter``)."""
    errors = body["errors"]
    if isinstance(errors, dict):
        found = errors[location]
        return set(found[within] if within else found)
    names: set[str] = set()
    for error in errors:
        if location == "json" and "pointer" in error:
            parts = error["pointer"].strip("/").split("/")
            if within and parts[0] == within and len(parts) > 1:
                names.add(parts[1])
            elif not within:
                names.add(parts[0])
        elif location != "json" and "parameter" in error:
            names.add(error["parameter"])
    return names


# -- the document ------------------------------------------------------------------------------
def test_openapi_document_is_served_with_bearer_security(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"/api/items", "/api/items/{item_id}", "/api/items/{item_id}/deletion-preview"} <= set(
        spec["paths"]
    )
    for noun in ("project", "comment", "tag"):  # each row's parameter is named for its model
        row = f"/api/{noun}s/{{{noun}_id}}"
        assert {row, f"{row}/deletion-preview"} <= set(spec["paths"])


def test_docs_page_is_local_and_lists_every_operation(app: Flask) -> None:
    page = app.test_client().get("/api/docs")
    assert page.status_code == 200
    assert "DELETE /api/items/{item_id}" in page.text
    # Nothing fetched from elsewhere: no src/href to another host, no CDN by name (the page
    # also holds random tokens, which may spell "cdn" by chance: only addresses are read).
    addresses = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert not [a for a in addresses if "cdn" in a.lower() or "//" in a], addresses
    assert "https://" not in page.text.split("<body")[1]


# -- authentication ------------------------------------------------------------------------------
def test_no_token_is_401_with_a_challenge(api: Any) -> None:
    response = api(None).get("/api/items")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer tb_wrong", "Bearer ", "Basic bWlhOnB3", "tb_x", "Bearer " + "x" * 500]
)
def test_bad_credentials_are_401(api: Any, header: str) -> None:
    assert_problem(api(None).get("/api/items", headers={"Authorization": header}), 401)


def test_session_cookie_is_not_authentication(app: Flask, world: World) -> None:
    person = Browser(app)
    person.login("mia")
    assert_problem(person.get("/api/items"), 401)


def test_revoked_token_stops_working(app: Flask, world: World, api: Any) -> None:
    from taskboard.auth import tokens
    from taskboard.extensions import db
    from taskboard.models import ApiToken, User

    caller = api("mia")
    assert caller.get("/api/items").status_code == 200
    with app.app_context():
        token = db.session.query(ApiToken).one()
        assert tokens.revoke(db.session.get(User, world.mia), token.id)  # type: ignore[arg-type]
        db.session.commit()
    assert_problem(caller.get("/api/items"), 401)


# -- errors --------------------------------------------------------------------------------------
def test_unknown_route_and_method_are_problems(api: Any) -> None:
    caller = api("mia")
    assert_problem(caller.get("/api/nothing-here"), 404)
    response = caller.open("PUT", "/api/items")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "query", ["page=0", "per_page=1000", "status=nope", "project_id=abc", "page=99999999999"]
)
def test_invalid_query_is_422_listing_the_fields(api: Any, query: str) -> None:
    body = assert_problem(api("mia").get(f"/api/items?{query}"), 422)
    assert query.split("=", maxsplit=1)[0] in error_fields(body, "query")


# -- items: list and read ------------------------------------------------------------------------
def test_list_is_scoped_paginated_and_filtered(api: Any, world: World) -> None:
    mia = api("mia")
    body = mia.get("/api/items").json
    assert {i["id"] for i in body["items"]} == {world.alpha_item, world.max_item}
    assert body["total"] == 2
    assert len(mia.get("/api/items?per_page=1&page=2").json["items"]) == 1
    assert [i["id"] for i in mia.get("/api/items?status=done").json["items"]] == [world.max_item]
    assert mia.get(f"/api/items?project_id={world.omega}").json["total"] == 0


def test_read_has_an_etag_and_invisible_is_404(api: Any, world: World) -> None:
    mia = api("mia")
    response = mia.get(f"/api/items/{world.alpha_item}")
    assert response.status_code == 200
    assert response.json["name"] == "Write spec"
    assert response.headers["ETag"].startswith('"')
    body = assert_problem(mia.get(f"/api/items/{world.omega_item}"), 404)
    assert "Omega" not in str(body)
    assert_problem(mia.get("/api/items/999999"), 404)


# -- items: delete ---------------------------------------------------------------------------------
def test_delete_is_204_and_the_item_goes(app: Flask, api: Any, world: World) -> None:
    response = api("mia").delete(f"/api/items/{world.alpha_item}")
    assert response.status_code == 204 and response.data == b""
    assert live(app, Item, world.alpha_item) is None
    assert_problem(api("mia").delete(f"/api/items/{world.alpha_item}"), 404)


def test_prefer_representation_returns_the_operation(api: Any, world: World) -> None:
    response = api("mia").delete(
        f"/api/items/{world.alpha_item}", headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 200
    operation = response.json
    assert operation["counts"] == {"Item": 1, "Comment": 1}
    assert operation["kind"] == "delete"
    assert operation["undo"].endswith(f"/{operation['id']}/restore")
    assert operation["expires_at"] > operation["created_at"]


def test_visible_but_not_allowed_is_403(app: Flask, api: Any, world: World) -> None:
    # max is on Alpha's team but neither owns mia's item nor the project.
    assert_problem(api("max").delete(f"/api/items/{world.alpha_item}"), 403)
    assert live(app, Item, world.alpha_item) is not None


def test_invisible_is_404_for_delete_and_preview(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    assert_problem(mia.delete(f"/api/items/{world.omega_item}"), 404)
    assert_problem(mia.get(f"/api/items/{world.omega_item}/deletion-preview"), 404)
    assert live(app, Item, world.omega_item) is not None


def test_if_match_stale_is_412_and_current_is_204(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    url = f"/api/items/{world.alpha_item}"
    etag = mia.get(url).headers["ETag"]
    assert_problem(mia.delete(url, headers={"If-Match": '"stale"'}), 412)
    assert live(app, Item, world.alpha_item) is not None
    assert mia.delete(url, headers={"If-Match": etag}).status_code == 204


def test_if_match_required_by_configuration_is_428(make_app: Any) -> None:
    app = make_app(TASKBOARD_API_REQUIRE_IF_MATCH=True)
    from api_support import issue_token
    from taskboard_support import build_world

    with app.app_context():
        world = build_world()
    headers = {"Authorization": f"Bearer {issue_token(app, world.mia)}"}
    client = app.test_client()
    assert_problem(client.delete(f"/api/items/{world.alpha_item}", headers=headers), 428)
    etag = client.get(f"/api/items/{world.alpha_item}", headers=headers).headers["ETag"]
    response = client.delete(f"/api/items/{world.alpha_item}", headers=headers | {"If-Match": etag})
    assert response.status_code == 204


def test_preview_then_delete_with_its_token(api: Any, world: World) -> None:
    mia = api("mia")
    preview = mia.get(f"/api/items/{world.alpha_item}/deletion-preview").json
    assert preview["counts"] == {"Item": 1, "Comment": 1}
    assert preview["blocker_count"] == 0
    assert preview["samples"]["Comment"][0]["label"] == "Looks good"
    response = mia.delete(f"/api/items/{world.alpha_item}?confirm_token={preview['token']}")
    assert response.status_code == 204


def test_stale_confirm_token_is_409_and_nothing_changes(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    token = mia.get(f"/api/items/{world.alpha_item}/deletion-preview").json["token"]
    # Someone deletes the comment in between: the plan is no longer what was confirmed.
    assert api("max").open("DELETE", f"/api/items/{world.alpha_item}").status_code == 403
    from taskboard.extensions import db, tombstone
    from taskboard.models import Comment

    with app.app_context():
        tombstone.delete(db.session.get(Comment, world.alpha_comment))
        db.session.commit()
    body = assert_problem(mia.delete(f"/api/items/{world.alpha_item}?confirm_token={token}"), 409)
    assert body["code"] == "changed"
    assert live(app, Item, world.alpha_item) is not None
