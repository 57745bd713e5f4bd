"""Creating and changing items over the API: 201/200, 422 with fields, 403/404, If-Match."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from taskboard_support import World, live
from test_api_contract import assert_problem

from taskboard.models import Item

pytestmark = pytest.mark.servers


def test_create_returns_201_with_the_item(api: Any, world: World) -> None:
    response = api("max").open(
        "POST",
        "/api/items",
        json={"project_id": world.alpha, "name": "New", "tag_ids": [world.alpha_tag]},
    )
    assert response.status_code == 201, response.text
    assert response.json["owner_id"] == world.max
    assert response.json["tag_ids"] == [world.alpha_tag]
    assert response.json["status"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "project_id"),
        ({"project_id": 1}, "name"),
        ({"project_id": 1, "name": ""}, "name"),
        ({"project_id": 1, "name": "x", "status": "nope"}, "status"),
        ({"project_id": 1, "name": "x", "surprise": 1}, "surprise"),
    ],
)
def test_invalid_body_is_422_naming_the_field(
    api: Any, world: World, body: dict[str, Any], field: str
) -> None:
    body = {k: (world.alpha if k == "project_id" else v) for k, v in body.items()}
    problem = assert_problem(api("mia").open("POST", "/api/items", json=body), 422)
    assert field in problem["errors"]["json"]


def test_create_in_an_invisible_project_or_with_its_tags_is_422(api: Any, world: World) -> None:
    mia = api("mia")
    hidden = mia.open("POST", "/api/items", json={"project_id": world.omega, "name": "x"})
    assert "project_id" in assert_problem(hidden, 422)["errors"]["json"]
    foreign = {"project_id": world.alpha, "name": "x", "tag_ids": [world.omega_tag]}
    body = assert_problem(mia.open("POST", "/api/items", json=foreign), 422)
    assert "tag_ids" in body["errors"]["json"]


def test_patch_changes_only_what_is_sent(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    url = f"/api/items/{world.alpha_item}"
    etag = mia.get(url).headers["ETag"]
    response = mia.open("PATCH", url, json={"status": "done"}, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    assert response.json["status"] == "done" and response.json["name"] == "Write spec"
    assert response.headers["ETag"] != etag
    assert_problem(mia.open("PATCH", url, json={"name": "x"}, headers={"If-Match": etag}), 412)
    assert live(app, Item, world.alpha_item).status == "done"


def test_patch_out_of_scope_is_404(api: Any, world: World) -> None:
    url = f"/api/items/{world.omega_item}"
    assert_problem(api("mia").open("PATCH", url, json={"name": "x"}), 404)
