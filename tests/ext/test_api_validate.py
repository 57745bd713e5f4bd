"""The API's input checker agrees with an independent JSON Schema implementation
(jsonschema-rs, schemathesis' own) on the schemas the document publishes: the server is
exactly as strict as its OpenAPI document, property-tested on generated JSON."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_tombstone.api import schemas
from flask_tombstone.api.validate import problems

from .board import TASK_FIELDS

INT_KEY = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
UUID_KEY = {"type": "string", "format": "uuid", "pattern": schemas.UUID_PATTERN}
SCHEMAS = {
    "ids": schemas.bulk_by_ids(INT_KEY, 5),
    "uuid-ids": schemas.bulk_by_ids(UUID_KEY, 3),
    "filter": schemas.bulk_by_filter(TASK_FIELDS),
    "any-filter": schemas.bulk_by_filter(None),
    "restore": schemas.RESTORE_BODY,
    "purge": schemas.PURGE_BODY,
    "trash": {"type": "object", "properties": schemas.trash_parameters(["Task"], 100)},
}
NAMES_LIST = [
    "ids",
    "filter",
    "expected_count",
    "confirm_token",
    "reason",
    "with_parents",
    "q",
    "locked",
    "page",
    "per_page",
    "since",
    "until",
    "model",
    "x",
]
NAMES = st.sampled_from(NAMES_LIST)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "",
            " ",
            "0",
            "1",
            "a" * 32,
            "0123456789abcdef" * 2,
            "x\n",
            "2025-02-01",
            "2025-01-31T12:00Z",
            "12345678-1234-1234-1234-123456789abc",
            "\u00a0",
            "Task",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(NAMES, inner, max_size=5),
    max_leaves=12,
)

VALID = {  # one valid value of each schema, which the strategy below varies
    "ids": {"ids": [1, 2], "confirm_token": "0123456789abcdef" * 2, "reason": "r"},
    "uuid-ids": {"ids": ["12345678-1234-1234-1234-123456789abc"]},
    "filter": {"filter": {"q": "a", "locked": "1"}, "expected_count": 2},
    "any-filter": {"filter": {"owner": "max"}, "expected_count": 0, "reason": ""},
    "restore": {"with_parents": True},
    "purge": {"reason": "gdpr"},
    "trash": {"page": 1, "per_page": 100, "model": "Task", "since": "2025-01-31"},
}
OPS = st.sampled_from(["keep", "drop", "set"])


def varied(seed: dict[str, Any]) -> st.SearchStrategy[Any]:
    """``seed`` as it is, or with one member (or one member of a nested object or array)
    dropped or set to any value."""

    def apply(change: tuple[str, str, str, Any]) -> Any:
        name, inner, op, value = change
        out = {
            k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
            for k, v in seed.items()
        }
        target: Any = out
        if inner and isinstance(out.get(name), dict):
            target, name = out[name], inner
        elif inner and isinstance(out.get(name), list) and out[name]:
            out[name][0] = value
            return out
        if op == "drop":
            target.pop(name, None)
        elif op == "set":
            target[name] = value
        return out

    names = st.sampled_from([*seed, "x"])
    inner = st.sampled_from(["", "", "q", "locked", "owner"])
    return st.tuples(names, inner, OPS, JSON).map(apply)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_checker_agrees_with_jsonschema(name: str) -> None:
    schema = SCHEMAS[name]
    reference = jsonschema_rs.Draft202012Validator(schema)
    verdicts: set[bool] = set()

    @given(value=JSON | varied(VALID[name]))
    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    def agrees(value: Any) -> None:
        valid = reference.is_valid(value)
        assert (not problems(schema, value)) == valid, value
        verdicts.add(valid)

    agrees()
    assert verdicts == {True, False}  # both kinds of value were met
