"""``POST /api/{projects,comments,tags}/bulk-delete``: the items' contract for every resource,
one implementation: ids or an allow-listed filter, one operation, all or nothing, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Caller, issue_token
from flask import Flask
from sqlalchemy import select
from taskboard_support import World, build_world, live
from test_api_contract import assert_problem, error_fields

from taskboard.extensions import db
from taskboard.models import Comment, Item, Operation, Project, Tag

pytestmark = pytest.mark.servers

MODELS = {"projects": Project, "comments": Comment, "tags": Tag}
# (resource, a row mia may delete, a filter matching exactly it for mia)
ROWS = [
    ("projects", "alpha", {"q": "alph"}),
    ("comments", "alpha_comment", {"item_id": "alpha_item"}),
    ("tags", "alpha_tag", {"name": "bug"}),
]


def post(caller: Any, resource: str, body: dict[str, Any], **kwargs: Any) -> Any:
    return caller.open("POST", f"/api/{resource}/bulk-delete", json=body, **kwargs)


def ids_in(world: World, wanted: dict[str, Any]) -> dict[str, Any]:
    """A filter whose values may name world rows (``"alpha_item"``): their ids."""
    return {k: getattr(world, v) if k.endswith("_id") else v for k, v in wanted.items()}


def operations(app: Flask) -> list[Operation]:
    with app.app_context():
        return list(db.session.scalars(select(Operation).where(Operation.kind == "delete")))


@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_ids_are_deleted_in_one_operation(
    app: Flask, api: Any, world: World, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    response = post(api("mia"), resource, {"ids": [getattr(world, row)]})
    assert response.status_code == 200, response.text
    model = MODELS[resource]
    assert response.json["root_model"] == model.__name__
    assert response.json["counts"][model.__name__] == 1
    assert [op.id for op in operations(app)] == [response.json["id"]]
    assert live(app, model, getattr(world, row)) is None


@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_filter_with_matching_expected_count(
    app: Flask, api: Any, world: World, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    body = {"filter": ids_in(world, wanted), "expected_count": 1}
    response = post(api("mia"), resource, body)
    assert response.status_code == 200, response.text
    assert live(app, MODELS[resource], getattr(world, row)) is None
    assert len(operations(app)) == 1


@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_expected_count_mismatch_is_409_and_nothing_goes(
    app: Flask, api: Any, world: World, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    body = {"filter": ids_in(world, wanted), "expected_count": 2}
    problem = assert_problem(post(api("mia"), resource, body), 409)
    assert problem["count"] == 1 and problem["expected_count"] == 2
    assert live(app, MODELS[resource], getattr(world, row)) is not None
    assert operations(app) == []


def test_a_project_goes_with_everything_in_it_as_one_operation(
    app: Flask, api: Any, world: World
) -> None:
    body = {"filter": {"role": "owner"}, "expected_count": 1}
    response = post(api("mia"), "projects", body)
    assert response.status_code == 200, response.text
    assert response.json["counts"] == {"Project": 1, "Item": 2, "Comment": 1, "Tag": 1}
    assert live(app, Item, world.max_item) is None
    assert len(operations(app)) == 1


def test_a_filter_never_reaches_rows_the_caller_cannot_see(
    app: Flask, api: Any, world: World
) -> None:
    # Both projects have a tag "bug": mia's filter matches only Alpha's, the admin's both.
    assert_problem(post(api("mia"), "tags", {"filter": {"name": "bug"}, "expected_count": 2}), 409)
    response = post(api("ada"), "tags", {"filter": {"name": "bug"}, "expected_count": 2})
    assert response.status_code == 200, response.text
    assert live(app, Tag, world.alpha_tag) is None and live(app, Tag, world.omega_tag) is None


@pytest.mark.parametrize(
    ("resource", "wanted", "count"),
    [
        ("projects", {"role": "member"}, 0),
        ("projects", {"q": "ALP"}, 1),
        ("comments", {"author_id": "max"}, 1),
        ("comments", {"q": "good"}, 1),
        ("comments", {"q": "%"}, 0),
        ("tags", {"project_id": "alpha"}, 1),
    ],
)
def test_the_filter_grammar_is_the_lists(
    api: Any, world: World, resource: str, wanted: dict[str, Any], count: int
) -> None:
    mia = api("mia")
    listed = mia.get(f"/api/{resource}", query_string=ids_in(world, wanted))
    assert listed.json["total"] == count, listed.text
    body = {"filter": ids_in(world, wanted), "expected_count": count + 1}
    if count == 0:
        assert_problem(post(mia, resource, body), 404)  # nothing to delete
    else:
        assert assert_problem(post(mia, resource, body), 409)["count"] == count


@pytest.mark.parametrize("resource", MODELS)
@pytest.mark.parametrize("body", [{}, {"filter": {}, "expected_count": 0}])
def test_no_filter_is_400(api: Any, world: World, resource: str, body: dict[str, Any]) -> None:
    assert_problem(post(api("mia"), resource, body), 400)


@pytest.mark.parametrize(
    ("resource", "field"),
    [("projects", "owner_id"), ("comments", "body"), ("tags", "id"), ("tags", "deleted_at")],
)
def test_unknown_filter_field_is_422(api: Any, world: World, resource: str, field: str) -> None:
    body = {"filter": {field: 1}, "expected_count": 1}
    problem = assert_problem(post(api("mia"), resource, body), 422)
    assert field in error_fields(problem, within="filter")


@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_ids_and_filter_together_is_400_a_filter_alone_needs_a_count(
    api: Any, world: World, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    both = {"ids": [getattr(world, row)], "filter": ids_in(world, wanted), "expected_count": 1}
    assert_problem(post(api("mia"), resource, both), 422)  # the deletion API's: invalid
    alone = assert_problem(post(api("mia"), resource, {"filter": ids_in(world, wanted)}), 422)
    assert "expected_count" in error_fields(alone)


@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_an_invisible_id_refuses_everything_with_404(
    app: Flask, api: Any, world: World, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    hidden = getattr(world, row.replace("alpha", "omega"))
    body = {"ids": [getattr(world, row), hidden]}
    assert_problem(post(api("mia"), resource, body), 404)
    assert_problem(post(api("mia"), resource, {"ids": [hidden]}), 404)
    assert live(app, MODELS[resource], getattr(world, row)) is not None


@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_over_the_cap_is_400_naming_it(
    make_app: Any, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    app = make_app(TASKBOARD_BULK_CAP=1)
    with app.app_context():
        world = build_world()
    ada = Caller(app, issue_token(app, world.ada))  # sees both teams: two of everything
    hidden = getattr(world, row.replace("alpha", "omega"))
    problem = assert_problem(post(ada, resource, {"ids": [getattr(world, row), hidden]}), 400)
    assert problem["cap"] == 1 and "1" in problem["detail"]
    assert live(app, MODELS[resource], hidden) is not None


def test_forbidden_rows_are_409_blockers_and_nothing_goes(
    app: Flask, api: Any, world: World
) -> None:
    # max may delete his own comment, not mia's on the same item: the engine lists hers and
    # neither goes.
    with app.app_context():
        comment = Comment(body="Mine", item_id=world.alpha_item, author_id=world.mia)
        db.session.add(comment)
        db.session.commit()
        mine = comment.id
    problem = assert_problem(
        post(api("max"), "comments", {"ids": [world.alpha_comment, mine]}), 409
    )
    assert problem["blockers"] and problem["code"] == "blocked"
    assert live(app, Comment, world.alpha_comment) is not None
    assert live(app, Comment, mine) is not None
    assert operations(app) == []


def test_a_member_cannot_bulk_delete_the_owners_project(app: Flask, api: Any, world: World) -> None:
    problem = assert_problem(post(api("max"), "projects", {"ids": [world.alpha]}), 409)
    assert problem["code"] == "blocked"
    assert live(app, Project, world.alpha) is not None


# -- Idempotency-Key -----------------------------------------------------------------------------
@pytest.mark.parametrize(("resource", "row", "wanted"), ROWS)
def test_same_key_replays_the_answer_other_body_is_422(
    app: Flask, api: Any, world: World, resource: str, row: str, wanted: dict[str, Any]
) -> None:
    mia = api("mia")
    headers = {"Idempotency-Key": f"{resource}-1"}
    body = {"ids": [getattr(world, row)]}
    first = post(mia, resource, body, headers=headers)
    again = post(mia, resource, body, headers=headers)
    assert first.status_code == again.status_code == 200, first.text
    assert first.json == again.json
    assert len(operations(app)) == 1
    other = post(mia, resource, {"ids": [getattr(world, row), 2**31 - 1]}, headers=headers)
    assert_problem(other, 422)
    assert len(operations(app)) == 1


def test_refusals_are_replayed_too(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    headers = {"Idempotency-Key": "refused"}
    body = {"filter": {"project_id": world.alpha}, "expected_count": 5}
    assert_problem(post(mia, "tags", body, headers=headers), 409)
    with app.app_context():  # the world changes; the answer to this key does not
        db.session.add(Tag(project_id=world.alpha, name="later"))
        db.session.commit()
    assert assert_problem(post(mia, "tags", body, headers=headers), 409)["count"] == 1
    assert assert_problem(post(mia, "tags", body), 409)["count"] == 2


@pytest.mark.parametrize("resource", MODELS)
def test_bulk_delete_needs_a_token(app: Flask, api: Any, world: World, resource: str) -> None:
    assert_problem(post(api(None), resource, {"ids": [world.alpha]}), 401)
    assert operations(app) == []


@pytest.mark.parametrize(
    ("resource", "field"),
    [("projects", "q"), ("comments", "q"), ("tags", "name"), ("items", "q"), ("items", "tag")],
)
def test_a_nul_in_a_filter_is_422_not_a_database_error(
    api: Any, world: World, resource: str, field: str
) -> None:
    # PostgreSQL refuses NUL in any text parameter: it must never reach the query.
    mia = api("mia")
    assert_problem(mia.get(f"/api/{resource}", query_string={field: "a\x00"}), 422)
    body = {"filter": {field: "a\x00"}, "expected_count": 0}
    # The deletion API refuses a NUL anywhere in a body before reading it: 400, not 422.
    assert assert_problem(post(mia, resource, body), 400)["code"] == "malformed"
