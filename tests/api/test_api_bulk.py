"""``POST /api/items/bulk-delete``: ids or an allow-listed filter, one atomic operation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from taskboard_support import World, live
from test_api_contract import assert_problem, error_fields

from taskboard.models import Item

pytestmark = pytest.mark.servers
URL = "/api/items/bulk-delete"


def post(caller: Any, body: dict[str, Any]) -> Any:
    return caller.open("POST", URL, json=body)


def test_ids_are_deleted_in_one_operation(app: Flask, api: Any, world: World) -> None:
    response = post(api("mia"), {"ids": [world.alpha_item, world.max_item]})
    assert response.status_code == 200, response.text
    assert response.json["counts"]["Item"] == 2 and response.json["kind"] == "delete"
    assert live(app, Item, world.alpha_item) is None and live(app, Item, world.max_item) is None


def test_an_invisible_id_refuses_everything_with_404(app: Flask, api: Any, world: World) -> None:
    assert_problem(post(api("mia"), {"ids": [world.alpha_item, world.omega_item]}), 404)
    assert live(app, Item, world.alpha_item) is not None


def test_filter_with_matching_expected_count(app: Flask, api: Any, world: World) -> None:
    body = {"filter": {"project_id": world.alpha, "status": "done"}, "expected_count": 1}
    response = post(api("mia"), body)
    assert response.status_code == 200, response.text
    assert live(app, Item, world.max_item) is None
    assert live(app, Item, world.alpha_item) is not None


def test_expected_count_mismatch_is_409(app: Flask, api: Any, world: World) -> None:
    body = {"filter": {"project_id": world.alpha}, "expected_count": 1}
    problem = assert_problem(post(api("mia"), body), 409)
    assert problem["count"] == 2
    assert live(app, Item, world.max_item) is not None


@pytest.mark.parametrize("body", [{}, {"filter": {}, "expected_count": 0}])
def test_no_filter_is_400(api: Any, world: World, body: dict[str, Any]) -> None:
    assert_problem(post(api("mia"), body), 400)


def test_unknown_filter_field_is_422(api: Any, world: World) -> None:
    body = {"filter": {"owner_id": 1}, "expected_count": 1}
    problem = assert_problem(post(api("mia"), body), 422)
    assert "owner_id" in error_fields(problem, within="filter")


@pytest.mark.parametrize("field", ["q", "tag"])
def test_an_empty_filter_value_is_422_though_the_list_ignores_it(
    app: Flask, api: Any, world: World, field: str
) -> None:
    mia = api("mia")
    assert mia.get(f"/api/items?{field}=").json["total"] == 2  # the list: no filter
    body = {"filter": {field: ""}, "expected_count": 2}  # a bulk delete: never everything
    assert field in error_fields(assert_problem(post(mia, body), 422), within="filter")
    assert live(app, Item, world.alpha_item) is not None


def test_over_the_cap_is_400_naming_it(make_app: Any) -> None:
    from api_support import issue_token
    from taskboard_support import build_world

    app = make_app(TASKBOARD_BULK_CAP=1)
    with app.app_context():
        world = build_world()
    headers = {"Authorization": f"Bearer {issue_token(app, world.mia)}"}
    body = {"filter": {"project_id": world.alpha}, "expected_count": 2}
    problem = assert_problem(app.test_client().post(URL, json=body, headers=headers), 400)
    assert problem["cap"] == 1 and "1" in problem["detail"]


def test_forbidden_rows_are_409_blockers_and_nothing_goes(
    app: Flask, api: Any, world: World
) -> None:
    # max may see both Alpha items but delete only his own: the engine lists the other.
    problem = assert_problem(post(api("max"), {"ids": [world.alpha_item, world.max_item]}), 409)
    assert problem["blockers"] and problem["code"] == "blocked"
    assert live(app, Item, world.max_item) is not None
