"""Reading what a client sends: a JSON body (size, media type, depth and syntax checked before
anything else looks at it) and query parameters (known names only, each value checked by its
schema). Whatever does not fit is a ``4xx`` problem, never an exception further in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .problems import ApiProblem, fail, invalid
from .validate import Schema, problems

MISSING: Any = object()
DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")


def _bad(detail: str, code: str = "malformed") -> ApiProblem:
    return ApiProblem(400, "Bad Request", detail, code=code)


def json_body(*, required: bool = True) -> Any:
    """The request's JSON body, or :data:`MISSING` when there is none and ``required`` is off.

    :raises ApiProblem: ``413`` over ``TOMBSTONE_API_MAX_BODY`` bytes, ``415`` not JSON,
        ``400`` not UTF-8, not JSON, nested deeper than ``TOMBSTONE_API_MAX_DEPTH``, a key
        given twice, a number JSON cannot hold (``NaN``, ``1e999``), a lone surrogate or a
        NUL character in a string; ``422`` no body where one is required.
    """
    limit = int(current_app.config["TOMBSTONE_API_MAX_BODY"])
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    request.max_content_length = limit
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large(limit) from None
    if not data.strip():
        if required:
            fail(422, "Unprocessable Content", "This request needs a JSON body.", code="invalid")
        return MISSING
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send the body as application/json.",
            code="unsupported_media_type",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("The body is not UTF-8.") from None
    depth = int(current_app.config["TOMBSTONE_API_MAX_DEPTH"])
    if nesting(text) > depth:
        raise _bad(f"The body is nested deeper than {depth} levels.", code="too_deep")
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_float=_number)
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except _Refused as refused:
        raise _bad(str(refused)) from None
    except (ValueError, RecursionError, UnicodeEncodeError):
        raise _bad("The body is not valid JSON.") from None
    if _has_nul(value):
        raise _bad("Strings may not hold NUL characters.")
    return value


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(
        413,
        "Content Too Large",
        f"A body takes at most {limit} bytes.",
        code="too_large",
        max_bytes=limit,
    )


class _Refused(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Refused(f"The key {key[:40]!r} is given twice.")
        found[key] = value
    return found


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: a whole one is an integer (``1.0`` is
    ``1``, as JSON Schema counts), one no double holds is refused."""
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise _Refused("A number is not valid.") from None
    if exact.is_finite() and exact.adjusted() < 40 and exact == exact.to_integral_value():
        return int(exact)
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused("A number is larger than this API takes.")
    return value


def nesting(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings ignored),
    counted before parsing so that no parser recurses into a hostile body."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any("\x00" in k or _has_nul(v) for k, v in value.items())
    return False


def checked_body(schema: Schema, *, required: bool = True) -> Any:
    """The JSON body, valid by ``schema`` (``422`` listing every problem otherwise)."""
    value = json_body(required=required)
    if value is MISSING:
        return value
    found = problems(schema, value)
    if found:
        invalid(found)
    return value


def query(parameters: Mapping[str, Schema]) -> dict[str, Any]:
    """The query string, by ``{name: schema}``: an unknown or repeated name, or a value its
    schema refuses, is ``422``. Integers are canonical decimals, booleans ``true``/``false``."""
    found: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for name, given in request.args.lists():
        schema = parameters.get(name)
        if schema is None:
            found.append((name, "is not a parameter here"))
            continue
        if len(given) > 1:
            found.append((name, "is given more than once"))
            continue
        value = _typed(schema, given[0])
        if value is MISSING:
            found.append((name, f"must be {schema.get('type', 'string')}"))
            continue
        problems_here = problems(schema, value)
        found += [(name, message) for _at, message in problems_here]
        values[name] = value
    if found:
        invalid(found, where="query")
    return values


def _typed(schema: Schema, text: str) -> Any:
    kind = schema.get("type", "string")
    if kind == "integer":
        return int(text) if DECIMAL.fullmatch(text) and len(text) < 40 else MISSING
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, MISSING)
    return text
