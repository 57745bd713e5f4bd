"""schemathesis against the served OpenAPI document: generated requests (valid and not) to
every operation, as a member with a token; no 5xx, and every response as documented.

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


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


def test_api_conforms_to_its_document(app: Flask, world: Any) -> None:
    headers = {"Authorization": f"Bearer {issue_token(app, world.mia)}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            # A schema-valid body may still name a project, tag or assignee the caller has
            # no access to: 422 by design (rules the document cannot express).
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        conforms()
