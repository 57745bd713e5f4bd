"""schemathesis against the served OpenAPI document: generated requests to every operation, as
a member with a token; no 5xx, every response as documented, and every request the document
calls valid accepted (``positive_data_acceptance``: a document looser than the server fails).

The operations are walked by hand (``as_strategy`` per operation) rather than through
schemathesis' pytest plugin, whose fixture-based loader does not run under this pytest.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from api_support import issue_token
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

PROBLEM = "application/problem+json"
# Fields whose value is valid or not by what exists and what the caller may see, not by its
# shape: a schema-valid id of a project, item, assignee or tag the caller cannot use is 422
# (docs/api.md), which no document can foresee.
REFERENCES = {"project_id", "item_id", "assignee_id", "tag_ids"}


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


def refused_for_state(response: Any) -> bool:
    """Whether a valid request was refused for the state of things, not for its shape: an
    ``If-Match`` naming another version (412), an ``Idempotency-Key`` used before with another
    body, or a reference the caller cannot use (422). Anything else refused is the document's
    fault."""
    if response.status_code == 412:
        return True
    if response.status_code != 422:
        return False
    problem = response.json()
    if problem.get("code") == "key_reused":
        return True
    errors = problem.get("errors", {})
    if isinstance(errors, list):  # the deletion API's: [{"parameter": ...}, ...]
        # A log window that ends before it starts: the document cannot say since <= until.
        return errors == [{"parameter": "since", "detail": "is after until"}]
    found = errors.get("json")
    return isinstance(found, dict) and bool(found) and set(found) <= REFERENCES


def valid_requests_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' ``positive_data_acceptance``, but for :func:`refused_for_state`."""
    if refused_for_state(response):
        return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


def test_api_conforms_to_its_document(app: Flask, world: Any) -> None:
    headers = {"Authorization": f"Bearer {issue_token(app, world.mia)}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[valid_requests_accepted],
            )

        conforms()


def test_requests_on_rows_that_exist_conform(app: Flask, world: Any) -> None:
    """The same, on rows that exist (generated ids seldom name one), for every operation on a
    row: what the document allows of the row's headers (``If-Match``) and body is taken; a
    tag naming another version is 412, which the document cannot foresee."""
    headers = {"Authorization": f"Bearer {issue_token(app, world.mia)}"}
    rows = {
        "project_id": world.alpha,
        "item_id": world.alpha_item,
        "comment_id": world.alpha_comment,
        "tag_id": world.alpha_tag,
    }
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if operation.method.upper() in ("PATCH", "DELETE")
    ]
    assert len(operations) == 8  # change and delete, of four resources

    for operation in operations:
        fixed = {p.name: rows[p.name] for p in operation.path_parameters if p.name in rows}

        @given(case=operation.as_strategy(path_parameters=fixed))
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[valid_requests_accepted],
            )

        conforms()


def body_schemas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every request body's object schema, by name: a component (the resources' bodies), or
    the operation's own (the deletion API writes its bodies inline: each branch of a bulk
    delete's ``oneOf``, and its filter)."""
    components = spec["components"]["schemas"]
    found: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "patch") or "requestBody" not in operation:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            if "$ref" in schema:
                name = schema["$ref"].split("/")[-1]
                found[name] = components[name]
                continue
            for n, branch in enumerate(schema.get("oneOf", [schema])):
                found[f"{method} {path} #{n}"] = branch
                chosen = branch.get("properties", {}).get("filter", {})
                if "properties" in chosen:
                    found[f"{method} {path} filter"] = chosen
    return found


def test_the_document_states_what_bodies_may_hold(app: Flask) -> None:
    """What schemathesis may not happen upon, stated outright: every text a client sends has a
    pattern (NUL, at least), every name, body, filter text and required reason a minimum
    length and a not-blank pattern, and a bulk delete takes ids or a filter, never both nor
    neither. (JSON Schema patterns search: ``re.search``.)"""
    spec = app.test_client().get("/api/openapi.json").json
    bodies = body_schemas(spec)
    assert len(bodies) >= 20
    texts = 0
    for name, schema in bodies.items():
        for field, prop in schema["properties"].items():
            if prop.get("type") != "string" or "enum" in prop or "format" in prop:
                continue
            if field == "confirm_token":  # compared with a token, never stored
                continue
            texts += 1
            assert re.search(prop["pattern"], "\x00") is None, (name, field)
            strict = ("name", "body", "q", "tag")
            if field in strict or (field == "reason" and field in schema.get("required", [])):
                assert prop["minLength"] == 1 and prop["maxLength"] >= 1, (name, field)
                for blank in ("", " ", "\t\u3000", "\x1c\x85"):
                    assert re.search(prop["pattern"], blank) is None, (name, field)
                assert re.search(prop["pattern"], " a ") is not None, (name, field)
    assert texts >= 12
    for slug in ("projects", "items", "comments", "tags"):
        bulk = spec["paths"][f"/api/{slug}/bulk-delete"]["post"]["requestBody"]
        choices = bulk["content"]["application/json"]["schema"]["oneOf"]
        assert [c["required"] for c in choices] == [["ids"], ["filter", "expected_count"]]
        assert all(c["additionalProperties"] is False for c in choices)  # never both


def test_if_match_is_what_the_document_says(app: Flask, world: Any) -> None:
    """Any ``If-Match`` the document allows is evaluated (200, or 412 for another version);
    any it does not is 400. schemathesis sends only well-formed ETags in this header, so a
    document that let any string through would pass it: hence this test."""
    spec = app.test_client().get("/api/openapi.json").json
    pattern = spec["components"]["parameters"]["IfMatch"]["schema"]["pattern"]
    headers = {"Authorization": f"Bearer {issue_token(app, world.mia)}"}
    client, url = app.test_client(), f"/api/items/{world.alpha_item}"

    def status(value: str) -> int:
        sent = headers | {"If-Match": value}
        return int(client.patch(url, json={}, headers=sent).status_code)

    latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")

    @given(value=st.from_regex(pattern, fullmatch=True).filter(lambda v: "\n" not in v))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def evaluated(value: str) -> None:
        assert status(value) in (200, 412), value

    @given(value=st.text(latin1, max_size=40).filter(lambda v: not re.match(pattern, v)))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def refused(value: str) -> None:
        assert status(value) == 400, value

    evaluated()
    refused()
    etag = client.get(url, headers=headers).headers["ETag"]
    assert status(etag) == 200 and status("*") == 200 and status(f"W/{etag}") == 412


def test_document_declares_the_headers_the_api_honours(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    components = spec["components"]

    def resolved(thing: dict[str, Any]) -> dict[str, Any]:
        if "$ref" not in thing:
            return thing
        kind, name = thing["$ref"].split("/")[-2:]
        return resolved(components[kind][name])

    def headers(operation: dict[str, Any]) -> set[str]:
        parameters = [resolved(p) for p in operation.get("parameters", [])]
        return {p["name"] for p in parameters if p["in"] == "header"}

    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "patch", "delete")
    ]
    bulk = [op for method, path, op in operations if path.endswith("/bulk-delete")]
    assert len(bulk) >= 4  # items, projects, comments, tags
    for method, _path, operation in operations:
        limited = resolved(operation["responses"]["429"])
        assert resolved(limited["headers"]["Retry-After"])["required"] is True
        assert PROBLEM in limited["content"]
        expected = {"delete": {"If-Match", "Prefer"}, "patch": {"If-Match"}}.get(method, set())
        assert expected <= headers(operation)
        if method in ("delete", "patch"):
            assert {"412", "428"} <= set(operation["responses"])
        if method == "delete":
            assert "409" in operation["responses"]
    for operation in bulk:
        assert "Idempotency-Key" in headers(operation)
        assert "409" in operation["responses"]
