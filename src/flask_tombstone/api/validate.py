"""A small JSON Schema checker: the API validates its input with the very schemas its OpenAPI
document publishes, so the document is exactly as strict as the server.

Only the keywords the API's schemas use are understood (see :data:`KEYWORDS`); a schema using
another one is refused when it is registered (:func:`check_supported`), never half-checked.
Patterns are ECMA-262 in the document and Python ``re`` here: write them in the common subset
(a trailing ``$`` is read as the end of the text, not "before a final newline").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask_tombstone.core.errors import ConfigurationError

Schema = Mapping[str, Any]
Problem = tuple[str, str]  # (JSON pointer, what is wrong)

KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        # annotations: no effect on what is valid
        "description",
        "title",
        "examples",
        "default",
        "format",
    }
)
JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def check_supported(schema: Any, where: str) -> None:
    """Refuse a schema with a keyword this checker does not understand.

    :raises ConfigurationError: naming the keyword and where it is.
    """
    if not isinstance(schema, Mapping):
        raise ConfigurationError(f"{where}: a JSON Schema is an object, not {schema!r}")
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ConfigurationError(
            f"{where}: the API cannot check {', '.join(sorted(unknown))} "
            f"(it understands {', '.join(sorted(KEYWORDS))})"
        )
    if "format" in schema and schema["format"] not in ("uuid", "int64", "int32"):
        raise ConfigurationError(f"{where}: format {schema['format']!r} is not checked")
    for name in ("properties",):
        for key, sub in schema.get(name, {}).items():
            check_supported(sub, f"{where}.{key}")
    for name in ("items", "additionalProperties"):
        sub = schema.get(name)
        if isinstance(sub, Mapping):
            check_supported(sub, f"{where}.{name}")
    if "pattern" in schema:
        _compiled(schema["pattern"])


def problems(schema: Schema, value: Any, pointer: str = "") -> list[Problem]:
    """Every way ``value`` breaks ``schema``: ``[(pointer, message)]``, empty when valid."""
    found: list[Problem] = []
    _check(schema, value, pointer, found)
    return found


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    if kind == "integer" and isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, JSON_TYPES[kind])


def _check(schema: Schema, value: Any, at: str, found: list[Problem]) -> None:
    kinds = schema.get("type")
    if kinds is not None:
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, kind) for kind in wanted):
            found.append((at, f"must be {' or '.join(wanted)}"))
            return
    if "const" in schema and not _same(value, schema["const"]):
        found.append((at, f"must be {schema['const']!r}"))
    if "enum" in schema and not any(_same(value, v) for v in schema["enum"]):
        found.append((at, "must be one of " + ", ".join(repr(v) for v in schema["enum"])))
    if isinstance(value, str):
        _string(schema, value, at, found)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append((at, f"must be at least {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            found.append((at, f"must be at most {schema['maximum']}"))
    elif isinstance(value, list):
        _array(schema, value, at, found)
    elif isinstance(value, dict):
        _object(schema, value, at, found)


def _string(schema: Schema, value: str, at: str, found: list[Problem]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        found.append((at, f"must be at least {schema['minLength']} character(s) long"))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append((at, f"must be at most {schema['maxLength']} characters long"))
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        found.append((at, f"must match {schema['pattern']}"))


def _array(schema: Schema, value: list[Any], at: str, found: list[Problem]) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        found.append((at, f"must hold at least {schema['minItems']} item(s)"))
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        found.append((at, f"must hold at most {schema['maxItems']} items"))
    if schema.get("uniqueItems") and len({_key(v) for v in value}) != len(value):
        found.append((at, "must not repeat an item"))
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            _check(items, item, f"{at}/{index}", found)


def _object(schema: Schema, value: dict[str, Any], at: str, found: list[Problem]) -> None:
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        found.append((at, f"must hold at least {schema['minProperties']} member(s)"))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        found.append((at, f"must hold at most {schema['maxProperties']} members"))
    for name in schema.get("required", ()):
        if name not in value:
            found.append((f"{at}/{_escape(name)}", "is required"))
    known = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        where = f"{at}/{_escape(name)}"
        if name in known:
            _check(known[name], item, where, found)
        elif extra is False:
            found.append((where, "is not a known member"))
        elif isinstance(extra, Mapping):
            _check(extra, item, where, found)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``1`` is ``1.0``, ``true`` is not ``1``."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _key(value: Any) -> Any:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, list):
        return ("list", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _key(v)) for k, v in value.items())))
    return ("value", value)


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    ends = pattern.endswith("$") and not pattern.endswith("\\$")
    python = pattern[:-1] + r"\Z" if ends else pattern
    try:
        return re.compile(python)
    except re.error as error:
        raise ConfigurationError(f"pattern {pattern!r} does not compile: {error}") from None
