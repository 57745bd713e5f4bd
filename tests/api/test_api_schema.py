"""schemathesis against the served OpenAPI document: generated requests to every operation, as
a member with a token; no 5xx, every response as documented, and every request the document
calls valid accepted (``positive_data_acceptance``: a document looser than the server fails).

The operations are walked by hand (``as_strategy`` per operation) rather than through
schemathesis' pytest plugin, whose fixture-based loader does not run under this pytest.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from api_support import issue_token
from flask import Flask
from hypothesis import HealthCheck, given, settings
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
    errors = problem.get("errors", {}).get("json")
    return isinstance(errors, dict) and bool(errors) and set(errors) <= REFERENCES


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
