"""The JSON Schemas of what the API takes. The server checks input with these very values
(:mod:`.validate`) and the OpenAPI document publishes them, so the two cannot disagree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, Uuid

from flask_tombstone.core.graph import Node
from flask_tombstone.core.keys import UUID_TEXT
from flask_tombstone.core.records import OperationKind
from flask_tombstone.urls import OP_ID_MAX

NO_NUL = "^[^\\u0000]*$"
UUID_PATTERN = f"^{UUID_TEXT}$"
REASON_MAX = 500
REASON: dict[str, Any] = {"type": "string", "maxLength": REASON_MAX, "pattern": NO_NUL}
PURGE_REASON: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": REASON_MAX,
    "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",  # not blank, no NUL
    "description": "Why the rows go for good (kept in the log).",
}
CONFIRM_TOKEN: dict[str, Any] = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": "The token of a deletion-preview: the deletion is refused (409 `changed`) "
    "if what it would remove changed since.",
}
OP_ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": OP_ID_MAX}
#: ``If-Match``: ``*`` or strong/weak entity tags, comma-separated (RFC 9110), ASCII only.
ENTITY_TAG = '(W/)?"[!#-~]*"'
IF_MATCH_PATTERN = f"^(\\*|{ENTITY_TAG}([ \\t]*,[ \\t]*{ENTITY_TAG})*)$"
IDEMPOTENCY_KEY_PATTERN = "^[!-~]{1,200}$"
DEFAULT_FILTER_FIELD: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": NO_NUL,
}


def key_schema(node: Node, dialect: str) -> dict[str, Any]:
    """What a key of ``node`` is, as JSON: the same check as :func:`.rows.parse_key`."""
    kind = node.pk.type
    if isinstance(kind, Integer):
        bits = 64 if dialect == "sqlite" else _bits(kind)
        return {"type": "integer", "minimum": -(2 ** (bits - 1)), "maximum": 2 ** (bits - 1) - 1}
    if isinstance(kind, Uuid):
        return {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": "^[^/\\u0000]*$"}
    if isinstance(kind, String) and kind.length is not None:
        schema["maxLength"] = kind.length
    return schema


def _bits(kind: Integer) -> int:
    if isinstance(kind, SmallInteger):
        return 16
    if isinstance(kind, BigInteger):
        return 64
    return 32


def bulk_by_ids(key: dict[str, Any], cap: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "ids": {
                "type": "array",
                "items": key,
                "minItems": 1,
                "maxItems": cap,
                "uniqueItems": True,
                "description": f"Rows to delete, every one yours to see (at most {cap}).",
            },
            "confirm_token": CONFIRM_TOKEN,
            "reason": REASON,
        },
        "required": ["ids"],
        "additionalProperties": False,
    }


def bulk_by_filter(fields: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    if fields is None:
        filter_schema: dict[str, Any] = {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": DEFAULT_FILTER_FIELD,
        }
    else:
        filter_schema = {
            "type": "object",
            "minProperties": 1,
            "properties": fields,
            "additionalProperties": False,
        }
    return {
        "type": "object",
        "properties": {
            "filter": filter_schema,
            "expected_count": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
            "confirm_token": CONFIRM_TOKEN,
            "reason": REASON,
        },
        "required": ["filter", "expected_count"],
        "additionalProperties": False,
    }


RESTORE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "with_parents": {
            "type": "boolean",
            "description": "Also restore the deletions that trashed rows these need.",
        },
        "reason": REASON,
    },
    "additionalProperties": False,
}
PURGE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"reason": PURGE_REASON},
    "required": ["reason"],
    "additionalProperties": False,
}

TEXT_PARAM: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_NUL}
YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # 0001 to 9999
LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
#: A day that exists: the 29th of February in leap years only.
DAY = (
    f"({YEAR}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
    f"|(0[13578]|1[02])-31)|{LEAP_YEAR}-02-29)"
)
DATE_PARAM: dict[str, Any] = {
    "type": "string",
    "pattern": f"^{DAY}"
    "(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?$",
    "description": "ISO 8601 date or date-time, UTC unless it gives an offset "
    "(`2025-01-31`, `2025-01-31T12:00Z`, `2025-01-31T14:00+02:00`).",
}


def paging(max_size: int) -> dict[str, dict[str, Any]]:
    return {
        "page": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "per_page": {"type": "integer", "minimum": 1, "maximum": max_size},
    }


def trash_parameters(models: list[str], max_size: int) -> dict[str, dict[str, Any]]:
    model: dict[str, Any] = {"type": "string", "enum": models} if models else TEXT_PARAM
    return {
        **paging(max_size),
        "model": model,
        "actor": TEXT_PARAM,
        "q": TEXT_PARAM,
        "since": DATE_PARAM,
        "until": DATE_PARAM,
    }


KINDS = list(OperationKind.ALL)


def operations_parameters(models: list[str], max_size: int) -> dict[str, dict[str, Any]]:
    return {
        **trash_parameters(models, max_size),
        "kind": {"type": "string", "enum": KINDS},
        "status": {"type": "string", "enum": ["running", "done"]},
        "mine": {"type": "boolean"},
    }


DELETE_PARAMETERS: dict[str, dict[str, Any]] = {
    "confirm_token": CONFIRM_TOKEN,
    "reason": REASON,
}
