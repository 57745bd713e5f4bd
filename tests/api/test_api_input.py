"""What a client sends, as the API reads it: names trimmed and never blank (as the HTML forms
take them), ids written one way only, bodies within bounds. Whatever the body, the answer is a
4xx problem, never a 500 (issue 10, items 3 and 7)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from taskboard_support import World, live
from test_api_contract import assert_problem, error_fields

from taskboard.bodies import MAX_DEPTH
from taskboard.extensions import db
from taskboard.models import Comment, Item, Project, Tag

BLANKS = ["", "   ", "\t\n", "\u3000\xa0", "\x1c"]  # all of them str.strip() empties


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


def stored(app: Flask, model: Any, ident: int, column: str) -> Any:
    with app.app_context():
        return getattr(db.session.get(model, ident), column)


# -- names ---------------------------------------------------------------------------------------
# (resource, field, model, world attribute of a row mia may change, extra body for a POST)
NAMED = [
    ("items", "name", Item, "alpha_item", {"project_id": "alpha"}),
    ("projects", "name", Project, "alpha", {}),
    ("comments", "body", Comment, None, {"item_id": "alpha_item"}),
    ("tags", "name", Tag, "alpha_tag", {"project_id": "alpha"}),
]


def body_of(world: World, extra: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {key: getattr(world, value) for key, value in extra.items()} | fields


@pytest.mark.parametrize(("things", "field", "model", "row", "extra"), NAMED)
def test_names_are_trimmed_on_create_and_change(
    app: Flask, api: Any, world: World, things: str, field: str, model: Any, row: Any, extra: Any
) -> None:
    mia = api("max" if things == "comments" else "mia")  # a comment is changed by its author
    created = mia.open("POST", f"/api/{things}", json=body_of(world, extra, **{field: "  new "}))
    assert created.status_code == 201, created.text
    assert created.json[field] == "new"
    assert stored(app, model, created.json["id"], field) == "new"

    ident = getattr(world, row) if row else created.json["id"]
    changed = mia.open("PATCH", f"/api/{things}/{ident}", json={field: "\tagain\u3000"})
    assert changed.status_code == 200, changed.text
    assert stored(app, model, ident, field) == "again"


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize(("things", "field", "model", "row", "extra"), NAMED)
def test_blank_names_are_422_and_nothing_changes(
    app: Flask,
    api: Any,
    world: World,
    things: str,
    field: str,
    model: Any,
    row: Any,
    extra: Any,
    blank: str,
) -> None:
    mia = api("max" if things == "comments" else "mia")
    with app.app_context():
        before = db.session.query(model).count()
    created = mia.open("POST", f"/api/{things}", json=body_of(world, extra, **{field: blank}))
    assert field in assert_problem(created, 422)["errors"]["json"]
    with app.app_context():
        assert db.session.query(model).count() == before

    ident = getattr(world, row) if row else world.alpha_comment
    old = stored(app, model, ident, field)
    changed = mia.open("PATCH", f"/api/{things}/{ident}", json={field: blank})
    assert field in assert_problem(changed, 422)["errors"]["json"]
    assert stored(app, model, ident, field) == old


def test_an_item_description_is_trimmed_and_may_be_blank(
    app: Flask, api: Any, world: World
) -> None:
    url = f"/api/items/{world.alpha_item}"
    assert api("mia").open("PATCH", url, json={"description": "  why \n"}).status_code == 200
    assert stored(app, Item, world.alpha_item, "description") == "why"
    assert api("mia").open("PATCH", url, json={"description": " \t "}).status_code == 200
    assert stored(app, Item, world.alpha_item, "description") == ""


@pytest.mark.parametrize(
    ("things", "wanted"),
    [
        ("projects", {"q": "  "}),
        ("comments", {"q": "\t"}),
        ("tags", {"name": " "}),
        ("items", {"q": "  "}),
        ("items", {"tag": "\u3000"}),
        ("items", {"q": ""}),
    ],
)
def test_a_blank_filter_text_never_means_everything(
    app: Flask, api: Any, world: World, things: str, wanted: dict[str, str]
) -> None:
    body = {"filter": wanted, "expected_count": 1}
    response = api("mia").open("POST", f"/api/{things}/bulk-delete", json=body)
    assert error_fields(assert_problem(response, 422), within="filter") == set(wanted)
    assert live(app, Item, world.alpha_item) is not None


def test_filter_text_is_trimmed(api: Any, world: World) -> None:
    mia = api("mia")
    assert [i["name"] for i in mia.get("/api/items?q=%20spec%20").json["items"]] == ["Write spec"]
    everything = mia.get("/api/items").json["total"]
    assert mia.get("/api/items?q=%20%20").json["total"] == everything  # blank: no filter
    assert [p["name"] for p in mia.get("/api/projects?q=%20Alp").json["items"]] == ["Alpha"]
    assert_problem(mia.get("/api/projects?q=%20"), 422)


def test_a_blank_purge_reason_is_422(app: Flask, api: Any, world: World) -> None:
    mia, ada = api("mia"), api("ada")
    deleted = mia.delete(
        f"/api/items/{world.max_item}", headers={"Prefer": "return=representation"}
    )
    url = deleted.json["undo"].replace("restore", "purge")
    for blank in BLANKS:
        refused = assert_problem(ada.open("POST", url, json={"reason": blank}), 422)
        assert "reason" in error_fields(refused)
    assert ada.open("POST", url, json={"reason": "  retention "}).json["reason"] == "retention"


# -- ids -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["0{id}", "+{id}", " {id}", "{id}.0", "\uff10{id}", "{wide}"])
def test_an_id_in_a_query_is_written_one_way(api: Any, world: World, spelling: str) -> None:
    wide = "".join(chr(0xFF10 + int(d)) for d in str(world.alpha))
    value = spelling.format(id=world.alpha, wide=wide)
    mia = api("mia")
    assert mia.get("/api/items", query_string={"project_id": str(world.alpha)}).status_code == 200
    for url in ("/api/items", "/api/tags", "/api/operations"):
        response = mia.get(url, query_string={"project_id": value})
        assert "project_id" in error_fields(assert_problem(response, 422), "query"), url


@pytest.mark.parametrize("value", ["{id}", "0{id}", 1.5, True, [1], "\uff11"])
def test_an_id_in_a_body_is_a_json_integer(app: Flask, api: Any, world: World, value: Any) -> None:
    if isinstance(value, str):
        value = value.format(id=world.alpha)
    response = api("mia").open("POST", "/api/tags", json={"project_id": value, "name": "x"})
    assert "project_id" in assert_problem(response, 422)["errors"]["json"]
    ids = api("mia").open("POST", "/api/items/bulk-delete", json={"ids": [float(world.max_item)]})
    assert ids.status_code == 200, ids.text  # 2.0 is the integer 2, as JSON Schema counts
    assert live(app, Item, world.max_item) is None


# -- bodies --------------------------------------------------------------------------------------
def json_routes(app: Flask, world: World, op_id: int) -> list[tuple[str, str, bool]]:
    """Every (method, URL, whether the deletion API serves it) of the API that reads a JSON
    body, from the URL map: a route added later is covered without a line here. ``op_id``: a
    deletion in the trash (restore and purge read their body once they find it)."""
    values = {
        "project_id": world.alpha,
        "item_id": world.alpha_item,
        "comment_id": world.alpha_comment,
        "tag_id": world.alpha_tag,
        "op_id": op_id,
    }
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        deletion = rule.endpoint.startswith("tombstone_api.")
        slugs = ("projects", "items", "comments", "tags") if "slug" in rule.arguments else (None,)
        for method in sorted((rule.methods or set()) & {"POST", "PATCH", "PUT"}):
            for slug in slugs:
                given = {k: values[k] for k in rule.arguments if k != "slug"}
                given |= {"slug": slug} if slug else {}
                routes.append((method, adapter.build(rule.endpoint, given), deletion))
    assert len(routes) >= 14  # create, change, bulk delete of four resources; restore, purge
    return routes


def nested(depth: int) -> str:
    return '{"ids": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("body", "status", "deletion_status"),
    [
        # The resources' views answer a body too deep or a number too long as 422; the
        # deletion API as 400 (malformed, before any schema reads it).
        (nested(1000), 422, 400),  # RecursionError in the parser, once
        (nested(100_000), 422, 400),
        (nested(MAX_DEPTH), 422, 400),  # {"ids": ...} is one level more than the limit
        ('{"name": "x", "project_id": ' + "9" * 5000 + "}", 422, 400),  # int() refuses it
        ('{"name": "x", "project_id": NaN}', 400, 400),  # not JSON
        ('{"name": "x", "project_id": -Infinity}', 400, 400),
        ('{"name": "\\ud800", "project_id": 1}', 400, 400),  # a lone surrogate is not text
        ('{"\\udfff": 1}', 400, 400),
        ('{"ids": [1]', 400, 400),
    ],
)
def test_a_body_beyond_bounds_is_a_problem_on_every_json_route(
    app: Flask, api: Any, world: World, body: str, status: int, deletion_status: int
) -> None:
    ada = api("ada")  # may restore and purge: those read their body once they find the deletion
    op = ada.delete(f"/api/items/{world.omega_item}", headers={"Prefer": "return=representation"})
    for method, url, deletion in json_routes(app, world, op.json["id"]):
        response = ada.open(method, url, data=body, content_type="application/json")
        assert_problem(response, deletion_status if deletion else status)
    assert live(app, Item, world.alpha_item) is not None


def test_a_body_as_deep_as_allowed_is_read(api: Any, world: World) -> None:
    body = '{"ids": [' + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "]}"
    response = api("mia").open(
        "POST", "/api/items/bulk-delete", data=body, content_type="application/json"
    )
    assert "ids" in error_fields(assert_problem(response, 422))  # read, then not an id


def test_a_body_over_the_size_limit_is_413(app: Flask, api: Any, world: World) -> None:
    body = '{"ids": [' + ", ".join(["1"] * 400_000) + "]}"  # over MAX_CONTENT_LENGTH (1 MiB)
    assert len(body) > app.config["MAX_CONTENT_LENGTH"]
    response = api("mia").open(
        "POST", "/api/items/bulk-delete", data=body, content_type="application/json"
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("value", ["stale", "W/", '"a" "b"', '"x', "*, *", ""])
def test_if_match_that_is_not_entity_tags_is_400(
    app: Flask, api: Any, world: World, value: str
) -> None:
    url = f"/api/items/{world.alpha_item}"
    response = api("mia").delete(url, headers={"If-Match": value})
    assert "If-Match" in error_fields(assert_problem(response, 400), "headers")
    assert live(app, Item, world.alpha_item) is not None


def test_if_match_with_a_list_or_weak_tags_is_evaluated(app: Flask, api: Any, world: World) -> None:
    mia, url = api("mia"), f"/api/items/{world.alpha_item}"
    etag = mia.get(url).headers["ETag"]
    assert_problem(mia.delete(url, headers={"If-Match": f"W/{etag}"}), 412)  # weak never match
    assert mia.delete(url, headers={"If-Match": f'"{"0" * 32}" , {etag}'}).status_code == 204
