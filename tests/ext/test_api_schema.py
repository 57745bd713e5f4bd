"""The extension's OpenAPI document: valid OpenAPI 3.1 (the official meta-schema, and
openapi-spec-validator where it is installed), and schemathesis against the API in-process —
valid and invalid requests to every operation, as a caller with a token: never a server error,
and every answer as the document says (status, content type, headers, body)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from .board import Caller, board, task

EXAMPLES = 25


@pytest.fixture
def api_app(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    yield from board(server_urls[db_kind])


def test_the_document_is_valid_openapi_31(api_app: Flask) -> None:
    spec = Caller(api_app, None).get("/api/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    OPENAPI_31_VALIDATOR.validate(spec)
    try:
        from openapi_spec_validator import validate
    except ImportError:
        pass
    else:
        validate(spec)
    paths = set(spec["paths"])
    for slug in ("tasks", "notes", "docs"):
        assert {f"/api/{slug}/{{id}}", f"/api/{slug}/bulk-delete"} <= paths
    ids = spec["paths"]["/api/docs/{id}"]["delete"]["parameters"][0]["schema"]
    assert ids["pattern"].startswith("^[0-9a-f]{8}")
    notes = spec["paths"]["/api/notes/bulk-delete"]["post"]["requestBody"]["content"]
    assert "oneOf" not in notes["application/json"]["schema"]  # no filter registered: ids only


def test_the_api_conforms_to_its_document(api_app: Flask, db_kind: str) -> None:
    headers = {"Authorization": "Bearer tok-mia"}
    mia = Caller(api_app, "mia")
    assert mia.delete(f"/api/tasks/{task(api_app, 'mia task 1')}").status_code == 204
    assert mia.get("/api/trash").json["total"] == 1  # listings answer with items to check
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3 * 3 + 4  # schemathesis leaves the document's own path out

    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for operation, mode in ((o, m) for o in operations for m in modes):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES if db_kind == "sqlite" else 8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def conforms(case: Any) -> None:
            # A valid request may still name a row that is not there, or not the caller's:
            # 404 by design, which the document declares but a generator cannot avoid.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        conforms()
