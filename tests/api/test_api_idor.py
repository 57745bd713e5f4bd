"""Who reaches what, for every row endpoint of every resource: invisible rows are 404 (read,
list, preview, delete alike), visible rows one may not delete are 403, and only an allowed
DELETE changes anything."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from taskboard_support import World, live
from test_api_contract import assert_problem

from taskboard.models import Comment, Item, Project, Tag

pytestmark = pytest.mark.servers

MODELS = {"projects": Project, "items": Item, "comments": Comment, "tags": Tag}
# (resource, world attribute, {user: "delete" | "see" | "none"}); ada (admin) deletes all.
MATRIX = [
    ("projects", "alpha", {"mia": "delete", "max": "see", "otto": "none"}),
    ("projects", "omega", {"mia": "none", "max": "none", "otto": "delete"}),
    ("items", "alpha_item", {"mia": "delete", "max": "see", "otto": "none"}),
    ("items", "max_item", {"mia": "delete", "max": "delete", "otto": "none"}),
    ("items", "omega_item", {"mia": "none", "max": "none", "otto": "delete"}),
    ("comments", "alpha_comment", {"mia": "delete", "max": "delete", "otto": "none"}),
    ("comments", "omega_comment", {"mia": "none", "max": "none", "otto": "delete"}),
    ("tags", "alpha_tag", {"mia": "delete", "max": "delete", "otto": "none"}),
    ("tags", "omega_tag", {"mia": "none", "max": "none", "otto": "delete"}),
]
CASES = [
    pytest.param(resource, row, user, access, id=f"{resource}-{row}-{user}")
    for resource, row, table in MATRIX
    for user, access in [*table.items(), ("ada", "delete")]
]


@pytest.mark.parametrize(("resource", "row", "user", "access"), CASES)
def test_access_matrix(
    app: Flask, api: Any, world: World, resource: str, row: str, user: str, access: str
) -> None:
    caller = api(user)
    ident = getattr(world, row)
    url = f"/api/{resource}/{ident}"
    listed = {r["id"] for r in caller.get(f"/api/{resource}?per_page=100").json["items"]}
    assert (ident in listed) == (access != "none")
    if access == "none":
        for response in (
            caller.get(url),
            caller.get(f"{url}/deletion-preview"),
            caller.delete(url),
        ):
            assert_problem(response, 404)
    else:
        assert caller.get(url).status_code == 200
    if access == "see":
        assert_problem(caller.get(f"{url}/deletion-preview"), 403)
        assert_problem(caller.delete(url), 403)
    if access == "delete":
        assert caller.get(f"{url}/deletion-preview").status_code == 200
        assert caller.delete(url).status_code == 204
        assert live(app, MODELS[resource], ident) is None
    else:
        assert live(app, MODELS[resource], ident) is not None


@pytest.mark.parametrize("resource", MODELS)
def test_every_endpoint_needs_a_token(api: Any, world: World, resource: str) -> None:
    anonymous = api(None)
    ident = world.alpha
    for method, url in [
        ("GET", f"/api/{resource}"),
        ("GET", f"/api/{resource}/{ident}"),
        ("GET", f"/api/{resource}/{ident}/deletion-preview"),
        ("DELETE", f"/api/{resource}/{ident}"),
    ]:
        assert_problem(anonymous.open(method, url), 401)
