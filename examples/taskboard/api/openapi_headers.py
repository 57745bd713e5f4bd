"""The request headers the API honours, and the answers they bring, declared on every operation
of the OpenAPI document in one place (an apispec plugin), so that no view has to repeat them and
a new view gets them by its method alone:

- every operation may answer ``429`` with ``Retry-After`` (the rate limits, :mod:`.ratelimit`),
  and ``503`` with ``Retry-After`` (the database, or Redis, out of reach: nothing was done);
- ``PATCH`` takes ``If-Match`` (``412``/``428``).

The deletion endpoints (``DELETE``, bulk delete, restore, purge) are the deletion API's, whose
own document declares their headers (``If-Match``, ``Prefer``, ``Idempotency-Key``).
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin

from flask_tombstone.problems import PROBLEM_JSON

from .schemas import ProblemSchema
from .writes import IF_MATCH_PATTERN

IF_MATCH = "IfMatch"
RATE_LIMITED = "RATE_LIMITED"
UNAVAILABLE = "UNAVAILABLE"

PARAMETERS: dict[str, dict[str, Any]] = {
    IF_MATCH: {
        "name": "If-Match",
        "description": "The ETag of your last GET (or several, or *): 412 when the row "
        "changed since. Required (428 without it) where the deployment sets "
        "TASKBOARD_API_REQUIRE_IF_MATCH. This API's ETags are strong: 32 hex digits between "
        'quotes ("5d41402abc4b2a76b9719d911017c592"); a value that is not a list of entity '
        "tags (RFC 9110) is 400.",
        "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
    },
}
DECLARED: dict[str, tuple[tuple[str, ...], dict[int, str]]] = {
    # method: (header parameters, {status: response component})
    "patch": ((IF_MATCH,), {412: "PRECONDITION_FAILED", 428: "PRECONDITION_REQUIRED"}),
}


class HeadersPlugin(BasePlugin):
    """Adds the parameters and responses above to each operation as it is registered."""

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        for component_id, parameter in PARAMETERS.items():
            spec.components.parameter(component_id, "header", dict(parameter), lazy=True)
        spec.components.header(
            "RetryAfter",
            {
                "description": "Seconds to wait before trying again",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            },
            lazy=True,
        )
        spec.components.response(
            RATE_LIMITED,
            {
                "description": "Over a rate limit: wait Retry-After seconds (also retry_after)",
                "headers": {"Retry-After": "RetryAfter"},
                "content": {PROBLEM_JSON: {"schema": ProblemSchema}},
            },
            lazy=True,
        )
        spec.components.response(
            UNAVAILABLE,
            {
                "description": "The database or Redis is out of reach: nothing was done; "
                "retry after Retry-After seconds",
                "headers": {"Retry-After": "RetryAfter"},
                "content": {PROBLEM_JSON: {"schema": ProblemSchema}},
            },
            lazy=True,
        )

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            headers, responses = DECLARED.get(method, ((), {}))
            _declare(operation, headers, responses | {429: RATE_LIMITED, 503: UNAVAILABLE})


def _parameters(operation: dict[str, Any]) -> set[str]:
    """The header parameters already declared, by component id (or by name)."""
    return {
        p if isinstance(p, str) else str(p.get("name")) for p in operation.get("parameters", [])
    }


def _declare(operation: dict[str, Any], headers: tuple[str, ...], answers: dict[int, str]) -> None:
    present = _parameters(operation)
    parameters = operation.setdefault("parameters", [])
    for component_id in headers:
        if component_id not in present and PARAMETERS[component_id]["name"] not in present:
            parameters.append(component_id)
    responses = operation.setdefault("responses", {})
    documented = {str(status) for status in responses}
    for status, component_id in answers.items():
        if str(status) not in documented:
            responses[status] = component_id
