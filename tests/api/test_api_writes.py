"""Creating and changing projects, comments and tags over the API: 201 with an ETag and a
Location, 200 on PATCH, 422 naming the field (by the HTML forms' own rules), 404 / 403 as the
HTML pages decide, 409 for a taken tag name, 412 / 428 for If-Match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from api_support import Caller, issue_token
from flask import Flask
from sqlalchemy import func, select
from taskboard_support import World, build_world, live
from test_api_contract import assert_problem
from werkzeug.exceptions import HTTPException

from taskboard.api import writes
from taskboard.extensions import db
from taskboard.models import Comment, Project, Tag

pytestmark = pytest.mark.servers

MODELS = {"projects": Project, "comments": Comment, "tags": Tag}


def live_count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def body_for(resource: str, world: World, **fields: Any) -> dict[str, Any]:
    """A valid create body for ``resource`` (in Alpha), with ``fields`` on top."""
    base = {
        "projects": {"name": "Beta"},
        "comments": {"item_id": world.alpha_item, "body": "On it"},
        "tags": {"project_id": world.alpha, "name": "feature"},
    }[resource]
    return base | fields


# -- create ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource", "sent", "expected"),
    [
        (
            "projects",
            {"name": "  Beta  ", "description": "Next"},
            {"name": "Beta", "owner_id": "max"},
        ),
        ("comments", {"body": " Done \n"}, {"body": "Done", "author_id": "max"}),
        ("tags", {"name": " Feature "}, {"name": "feature", "project_id": "alpha"}),
    ],
)
def test_create_is_201_with_etag_and_location(
    app: Flask,
    api: Any,
    world: World,
    resource: str,
    sent: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    max_ = api("max")
    response = max_.open("POST", f"/api/{resource}", json=body_for(resource, world, **sent))
    assert response.status_code == 201, response.text
    for field, value in expected.items():
        # Ids are named by their world attribute; the forms trimmed (and for tags lowered).
        assert response.json[field] == getattr(world, value, value)
    location = response.headers["Location"]
    assert location == f"/api/{resource}/{response.json['id']}"
    again = max_.get(location)
    assert again.status_code == 200 and again.json == response.json
    assert again.headers["ETag"] == response.headers["ETag"]
    assert live(app, MODELS[resource], response.json["id"]) is not None


@pytest.mark.parametrize(
    ("resource", "sent", "field"),
    [
        ("projects", {"name": None}, "name"),
        ("projects", {"name": "   "}, "name"),
        ("projects", {"name": "x" * 121}, "name"),
        ("projects", {"description": "x" * 5001}, "description"),
        ("projects", {"name": "a\x00b"}, "name"),
        ("projects", {"owner_id": 1}, "owner_id"),
        ("comments", {"body": ""}, "body"),
        ("comments", {"body": "x" * 5001}, "body"),
        ("comments", {"item_id": "one"}, "item_id"),
        ("comments", {"author_id": 1}, "author_id"),
        ("tags", {"name": "no/slash"}, "name"),
        ("tags", {"name": "x" * 41}, "name"),
        ("tags", {"name": 7}, "name"),
        ("tags", {"project_id": 0}, "project_id"),
    ],
)
def test_invalid_create_is_422_naming_the_field(
    app: Flask, api: Any, world: World, resource: str, sent: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in body_for(resource, world, **sent).items() if v is not None}
    problem = assert_problem(api("mia").open("POST", f"/api/{resource}", json=body), 422)
    assert field in problem["errors"]["json"], problem


@pytest.mark.parametrize(
    ("resource", "parent", "row"),
    [("comments", "item_id", "omega_item"), ("tags", "project_id", "omega")],
)
def test_create_under_an_invisible_parent_is_422(
    app: Flask, api: Any, world: World, resource: str, parent: str, row: str
) -> None:
    body = body_for(resource, world, **{parent: getattr(world, row)})
    problem = assert_problem(api("mia").open("POST", f"/api/{resource}", json=body), 422)
    assert parent in problem["errors"]["json"]
    assert live_count(app, MODELS[resource]) == 2  # the world's two, no more


# -- change ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Patch:
    resource: str
    row: str  # world attribute
    user: str  # allowed to change it
    field: str
    value: str
    kept: str  # a field the change leaves alone

    def url(self, world: World) -> str:
        return f"/api/{self.resource}/{getattr(world, self.row)}"


PATCHES = [
    pytest.param(Patch("projects", "alpha", "mia", "description", "A plan", "name"), id="project"),
    pytest.param(
        Patch("comments", "alpha_comment", "max", "body", "Better", "item_id"), id="comment"
    ),
    pytest.param(Patch("tags", "alpha_tag", "max", "name", "Defect", "project_id"), id="tag"),
]


@pytest.mark.parametrize("patch", PATCHES)
def test_patch_changes_what_is_sent_and_honours_if_match(
    app: Flask, api: Any, world: World, patch: Patch
) -> None:
    caller, url = api(patch.user), patch.url(world)
    before = caller.get(url)
    etag = before.headers["ETag"]
    change = {patch.field: patch.value}
    response = caller.open("PATCH", url, json=change, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    # The tag form lower-cases names.
    assert response.json[patch.field] == (
        patch.value.lower() if patch.row == "alpha_tag" else patch.value
    )
    assert response.json[patch.kept] == before.json[patch.kept]
    assert response.headers["ETag"] != etag
    assert caller.get(url).headers["ETag"] == response.headers["ETag"]
    stale = caller.open("PATCH", url, json={patch.field: "Other"}, headers={"If-Match": etag})
    assert_problem(stale, 412)
    row = live(app, MODELS[patch.resource], getattr(world, patch.row))
    assert getattr(row, patch.field) == response.json[patch.field]


@pytest.mark.parametrize("patch", PATCHES)
def test_patch_without_if_match_where_required_is_428(make_app: Any, patch: Patch) -> None:
    app = make_app(TASKBOARD_API_REQUIRE_IF_MATCH=True)
    with app.app_context():
        world = build_world()
    caller, url = Caller(app, issue_token(app, getattr(world, patch.user))), patch.url(world)
    change = {patch.field: patch.value}
    assert_problem(caller.open("PATCH", url, json=change), 428)
    etag = caller.get(url).headers["ETag"]
    assert caller.open("PATCH", url, json=change, headers={"If-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    ("resource", "row", "user"),
    [
        ("projects", "alpha", "max"),  # a member, not the owner
        ("comments", "alpha_comment", "mia"),  # the project's owner, not the author
    ],
)
def test_patch_visible_but_not_allowed_is_403(
    app: Flask, api: Any, world: World, resource: str, row: str, user: str
) -> None:
    field = "name" if resource == "projects" else "body"
    before = getattr(live(app, MODELS[resource], getattr(world, row)), field)
    response = api(user).open("PATCH", f"/api/{resource}/{getattr(world, row)}", json={field: "x"})
    assert_problem(response, 403)
    assert getattr(live(app, MODELS[resource], getattr(world, row)), field) == before


@pytest.mark.parametrize(
    ("resource", "row"),
    [("projects", "alpha"), ("comments", "alpha_comment"), ("tags", "alpha_tag")],
)
def test_patch_of_an_invisible_or_unknown_row_is_404(
    api: Any, world: World, resource: str, row: str
) -> None:
    otto = api("otto")
    for ident in (getattr(world, row), 2**31 - 1):
        assert_problem(otto.open("PATCH", f"/api/{resource}/{ident}", json={}), 404)


def test_patch_of_a_trashed_row_is_404(api: Any, world: World) -> None:
    mia = api("mia")
    assert mia.delete(f"/api/tags/{world.alpha_tag}").status_code == 204
    assert_problem(mia.open("PATCH", f"/api/tags/{world.alpha_tag}", json={"name": "x"}), 404)


def test_a_comment_or_tag_does_not_move(api: Any, world: World) -> None:
    mia = api("mia")
    moved = mia.open("PATCH", f"/api/tags/{world.alpha_tag}", json={"project_id": world.omega})
    assert "project_id" in assert_problem(moved, 422)["errors"]["json"]
    moved = mia.open("PATCH", f"/api/comments/{world.alpha_comment}", json={"item_id": 1})
    assert "item_id" in assert_problem(moved, 422)["errors"]["json"]


# -- unique names --------------------------------------------------------------------------------
def test_a_taken_tag_name_is_409_on_create_and_rename(app: Flask, api: Any, world: World) -> None:
    max_ = api("max")
    taken = max_.open("POST", "/api/tags", json={"project_id": world.alpha, "name": " BUG"})
    problem = assert_problem(taken, 409)
    assert "name" in problem["errors"]["json"] and problem["code"] == "taken"
    feature = max_.open("POST", "/api/tags", json={"project_id": world.alpha, "name": "feature"})
    assert feature.status_code == 201
    url = f"/api/tags/{feature.json['id']}"
    assert_problem(max_.open("PATCH", url, json={"name": "bug"}), 409)
    assert live(app, Tag, feature.json["id"]).name == "feature"
    # Omega's "bug" is another project's: no clash. A trashed tag's name is free again.
    assert max_.delete(f"/api/tags/{world.alpha_tag}").status_code == 204
    assert max_.open("PATCH", url, json={"name": "bug"}).status_code == 200


def test_a_unique_clash_at_commit_is_409_and_nothing_is_saved(app: Flask, world: World) -> None:
    # What two simultaneous creates of one name come to: the database's unique index refuses
    # the second, after the service's check let both through.
    with app.test_request_context("/api/tags", method="POST"):
        with pytest.raises(HTTPException) as raised:
            writes.commit(lambda: db.session.add(Tag(project_id=world.alpha, name="bug")))
        response = raised.value.get_response()
        assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert live_count(app, Tag) == 2
