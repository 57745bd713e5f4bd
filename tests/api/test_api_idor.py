"""Who reaches what, for every row endpoint of every resource: invisible rows are 404 (read,
list, preview, delete, change alike), visible rows one may not delete or change are 403 (409
in a bulk delete, where the engine refuses them), and only an allowed request changes
anything."""

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


def cases(matrix: list[tuple[str, str, dict[str, str]]], admin: str) -> list[Any]:
    """One case per row of ``matrix`` and user: those of its table, and ada with ``admin``."""
    return [
        pytest.param(first, second, user, access, id=f"{first}-{second}-{user}")
        for first, second, table in matrix
        for user, access in [*table.items(), ("ada", admin)]
    ]


CASES = cases(MATRIX, "delete")


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
        ("POST", f"/api/{resource}"),
        ("PATCH", f"/api/{resource}/{ident}"),
        ("POST", f"/api/{resource}/bulk-delete"),
    ]:
        assert_problem(anonymous.open(method, url), 401)


@pytest.mark.parametrize(("resource", "row", "user", "access"), CASES)
def test_bulk_delete_matrix(
    app: Flask, api: Any, world: World, resource: str, row: str, user: str, access: str
) -> None:
    # Ids reach only rows the caller sees (else 404); the engine refuses the rest (409).
    ident = getattr(world, row)
    response = api(user).open("POST", f"/api/{resource}/bulk-delete", json={"ids": [ident]})
    if access == "delete":
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 409 if access == "see" else 404)
    assert (live(app, MODELS[resource], ident) is None) == (access == "delete")


# -- changing: (resource, row, {user: "edit" | "see" | "none"}); ada (admin) edits all -------
EDITS = [
    ("projects", "alpha", {"mia": "edit", "max": "see", "otto": "none"}),
    ("projects", "omega", {"mia": "none", "max": "none", "otto": "edit"}),
    ("items", "alpha_item", {"mia": "edit", "max": "edit", "otto": "none"}),
    ("items", "omega_item", {"mia": "none", "max": "none", "otto": "edit"}),
    ("comments", "alpha_comment", {"mia": "see", "max": "edit", "otto": "none"}),
    ("comments", "omega_comment", {"mia": "none", "max": "none", "otto": "edit"}),
    ("tags", "alpha_tag", {"mia": "edit", "max": "edit", "otto": "none"}),
    ("tags", "omega_tag", {"mia": "none", "max": "none", "otto": "edit"}),
]
CHANGES = {
    "projects": "description",
    "items": "description",
    "comments": "body",
    "tags": "name",
}  # {resource: a field PATCH changes}


@pytest.mark.parametrize(("resource", "row", "user", "access"), cases(EDITS, "edit"))
def test_edit_matrix(
    app: Flask, api: Any, world: World, resource: str, row: str, user: str, access: str
) -> None:
    field, ident = CHANGES[resource], getattr(world, row)
    response = api(user).open("PATCH", f"/api/{resource}/{ident}", json={field: "patched"})
    if access == "edit":
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 403 if access == "see" else 404)
    changed = getattr(live(app, MODELS[resource], ident), field) == "patched"
    assert changed == (access == "edit")


# -- creating under a parent: (resource, parent row, {user: "create" | "none"}) ---------------
# A parent the caller cannot see is invalid input (422), answered like one that does not exist.
PARENTS = {"items": "project_id", "comments": "item_id", "tags": "project_id"}
CREATES = [
    ("items", "alpha", {"mia": "create", "max": "create", "otto": "none"}),
    ("items", "omega", {"mia": "none", "max": "none", "otto": "create"}),
    ("comments", "alpha_item", {"mia": "create", "max": "create", "otto": "none"}),
    ("comments", "omega_item", {"mia": "none", "max": "none", "otto": "create"}),
    ("tags", "alpha", {"mia": "create", "max": "create", "otto": "none"}),
    ("tags", "omega", {"mia": "none", "max": "none", "otto": "create"}),
]


@pytest.mark.parametrize(("resource", "parent", "user", "access"), cases(CREATES, "create"))
def test_create_matrix(
    api: Any, world: World, resource: str, parent: str, user: str, access: str
) -> None:
    field = PARENTS[resource]
    body = {field: getattr(world, parent), "body" if resource == "comments" else "name": "new"}
    response = api(user).open("POST", f"/api/{resource}", json=body)
    if access == "create":
        assert response.status_code == 201, response.text
        assert response.json[field] == getattr(world, parent)
    else:
        assert field in assert_problem(response, 422)["errors"]["json"]


# -- the trash and the log: (who deletes, what, {user: "restore" | "see" | "none"}) ----------
# "see": in the caller's log and trash, but not theirs to restore (403); ada (admin) restores
# all and is the only one to purge.
OPERATIONS = [
    ("mia", "items/alpha_item", {"mia": "restore", "max": "see", "otto": "none"}),
    ("max", "items/max_item", {"mia": "restore", "max": "restore", "otto": "none"}),
    ("max", "comments/alpha_comment", {"mia": "restore", "max": "restore", "otto": "none"}),
    ("ada", "tags/alpha_tag", {"mia": "restore", "max": "see", "otto": "none"}),
    ("mia", "projects/alpha", {"mia": "restore", "max": "see", "otto": "none"}),
    ("otto", "items/omega_item", {"mia": "none", "max": "none", "otto": "restore"}),
]
OPERATION_CASES = cases(OPERATIONS, "restore")


@pytest.mark.parametrize(("deleter", "target", "user", "access"), OPERATION_CASES)
def test_operation_access_matrix(
    app: Flask, api: Any, world: World, deleter: str, target: str, user: str, access: str
) -> None:
    resource, row = target.split("/")
    ident = getattr(world, row)
    deleted = api(deleter).delete(
        f"/api/{resource}/{ident}", headers={"Prefer": "return=representation"}
    )
    op_id = deleted.json["id"]
    caller = api(user)
    # The trash lists the deletions in the caller's log, each saying whether they may restore it.
    trash = {e["id"]: e for e in caller.get("/api/trash?per_page=100").json["items"]}
    log = {e["id"] for e in caller.get("/api/operations?per_page=100").json["items"]}
    assert (op_id in trash) == (access != "none")
    if op_id in trash:
        assert trash[op_id]["restorable"] == (access == "restore")
        assert (trash[op_id]["undo"] is not None) == (access == "restore")
    assert (op_id in log) == (access != "none")
    refused = 404 if access == "none" else 403
    if user != "ada":
        url = f"/api/operations/{op_id}/purge"
        assert_problem(caller.open("POST", url, json={"reason": "tidy"}), refused)
    restored = caller.open("POST", f"/api/operations/{op_id}/restore")
    if access == "restore":
        assert restored.status_code == 200, restored.text
        assert live(app, MODELS[resource], ident) is not None
    else:
        assert_problem(restored, refused)
        assert live(app, MODELS[resource], ident) is None
