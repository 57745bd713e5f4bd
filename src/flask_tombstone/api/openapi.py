"""The OpenAPI 3.1 document, generated per request from the registered models and this app's
settings (the bulk cap, whether ``If-Match`` is required, the database's key ranges), with
the same schemas the server checks input with (:mod:`.schemas`)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from . import schemas
from .state import api

JSON = "application/json"
PROBLEM = "application/problem+json"
NULLABLE_STRING = {"type": ["string", "null"]}
MOMENT = {"type": ["string", "null"], "format": "date-time"}

ROW_REF = {
    "type": "object",
    "required": ["model", "id", "label"],
    "properties": {
        "model": {"type": "string"},
        "id": {"type": ["integer", "string"]},
        "label": {"type": "string"},
    },
}
COMPONENT_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details, with the engine's extension members.",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "retry_with_parents": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "A restore refused for parents in the trash: the deletions that "
                "`with_parents` would bring back along (when you may restore them).",
            },
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "pointer": {"type": "string"},
                        "parameter": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                },
            },
        },
    },
    "RowRef": ROW_REF,
    "Blocker": {
        "type": "object",
        "required": ["reason", "row"],
        "properties": {
            "reason": {"type": "string"},
            "row": {"$ref": "#/components/schemas/RowRef"},
            "via": NULLABLE_STRING,
            "target": {"anyOf": [{"$ref": "#/components/schemas/RowRef"}, {"type": "null"}]},
        },
    },
    "Preview": {
        "type": "object",
        "required": ["mode", "model", "counts", "samples", "blockers", "blocker_count", "token"],
        "properties": {
            "mode": {"type": "string", "enum": ["soft", "hard"]},
            "model": {"type": "string"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "total": {"type": "integer"},
            "samples": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/RowRef"},
                },
            },
            "blockers": {"type": "array", "items": {"$ref": "#/components/schemas/Blocker"}},
            "blocker_count": {"type": "integer"},
            "effects": {"type": "object", "additionalProperties": {"type": "integer"}},
            "token": {"type": "string"},
        },
    },
    "Operation": {
        "type": "object",
        "required": ["id", "kind", "status", "root_model", "counts", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": schemas.KINDS},
            "status": {"type": "string", "enum": ["running", "done"]},
            "root_model": {"type": "string"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "actor": NULLABLE_STRING,
            "reason": NULLABLE_STRING,
            "ref_op": {"type": ["integer", "null"]},
            "created_at": MOMENT,
            "finished_at": MOMENT,
            "expires_at": MOMENT,
            "settled": {"enum": ["restore", "purge", None]},
            "undo": {
                "type": ["string", "null"],
                "description": "Where to POST to restore it, when you may.",
            },
            "restorable": {"type": "boolean"},
            "purgeable": {"type": "boolean"},
            "samples": {
                "type": "object",
                "description": "In the trash: the first few labels of its rows, per model.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "parents": {
                "type": "array",
                "description": "A restore with_parents: the restores of the parent deletions "
                "brought back along.",
                "items": {"$ref": "#/components/schemas/Operation"},
            },
        },
    },
    "OperationPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Operation"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    },
}
RETRY_AFTER = {
    "required": True,
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
WHY = {
    "400": "Malformed: not JSON, too deep, a bad header; for bulk, no filter or over the cap.",
    "401": "Nobody is authenticated.",
    "403": "You see it but may not do this.",
    "404": "Not there, or not yours to see.",
    "409": "Blocked, a changed plan, a count mismatch, a conflict, settled, or running.",
    "412": "If-Match names another version of the row.",
    "413": "The body is too large.",
    "415": "The body is not JSON.",
    "422": "A parameter or the body does not validate.",
    "428": "If-Match is required.",
    "429": "Rate limited.",
    "503": "The database did not answer; nothing changed.",
}


def _problem(status: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": WHY[status],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in ("429", "503"):
        answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return answer


def _responses(success: dict[str, Any], *statuses: str) -> dict[str, Any]:
    common = ("400", "401", "404", "422", "429", "503")
    found = dict(success)
    for status in sorted({*common, *statuses}):
        found[status] = {"$ref": f"#/components/responses/Problem{status}"}
    return found


def _ok(schema: str, description: str, **headers: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _query(parameters: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in parameters.items()
    ]


def _body(schema: dict[str, Any], *, required: bool) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def document() -> dict[str, Any]:
    """The document for the current app."""
    state = api()
    config = current_app.config
    cap = int(config["TOMBSTONE_API_BULK_CAP"])
    base = request.script_root + state.url_prefix
    idempotency = {"$ref": "#/components/parameters/IdempotencyKey"}
    paths: dict[str, Any] = {}
    for slug, model in sorted(state.models.items()):
        node = state.tombstone.graph.governing(model)
        key = state.key_schema(node)
        name = node.name
        row = {"name": "id", "in": "path", "required": True, "schema": key}
        paths[f"{base}/{slug}/{{id}}"] = {
            "delete": {
                "operationId": f"delete_{slug}",
                "summary": f"Delete one {name} (and what cascades from it)",
                "tags": [name],
                "parameters": [
                    row,
                    *_query(schemas.DELETE_PARAMETERS),
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": bool(config["TOMBSTONE_API_REQUIRE_IF_MATCH"]),
                        "schema": {"type": "string", "pattern": schemas.IF_MATCH_PATTERN},
                    },
                    {
                        "name": "Prefer",
                        "in": "header",
                        "required": False,
                        "description": "`return=representation` answers 200 with the operation.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": _responses(
                    {
                        "204": {"description": "Deleted."},
                        "200": _ok("Operation", "Deleted: the operation (Prefer)."),
                    },
                    "403",
                    "409",
                    "412",
                    "428",
                ),
            }
        }
        paths[f"{base}/{slug}/{{id}}/deletion-preview"] = {
            "get": {
                "operationId": f"preview_{slug}",
                "summary": f"What deleting one {name} would do",
                "tags": [name],
                "parameters": [row],
                "responses": _responses(
                    {
                        "200": _ok(
                            "Preview",
                            "Counts, samples, blockers and the confirm token.",
                            ETag={
                                "required": True,
                                "description": "The row's version, for If-Match.",
                                "schema": {"type": "string"},
                            },
                        )
                    },
                    "403",
                ),
            }
        }
        branches = [schemas.bulk_by_ids(key, cap)]
        if model in state.filters:
            branches.append(schemas.bulk_by_filter(state.filter_fields.get(model)))
        bulk = branches[0] if len(branches) == 1 else {"oneOf": branches}
        paths[f"{base}/{slug}/bulk-delete"] = {
            "post": {
                "operationId": f"bulk_delete_{slug}",
                "summary": f"Delete several {name} rows as one operation",
                "tags": [name],
                "parameters": [idempotency],
                "requestBody": _body(bulk, required=True),
                "responses": _responses(
                    {"200": _ok("Operation", "Deleted: the operation.")},
                    "403",
                    "409",
                    "413",
                    "415",
                ),
            }
        }
    paths[f"{base}/trash"] = {
        "get": {
            "operationId": "trash",
            "summary": "Deletions still in the trash, newest first",
            "tags": ["Operations"],
            "parameters": _query(state.trash_parameters()),
            "responses": _responses({"200": _ok("OperationPage", "A page of deletions.")}),
        }
    }
    paths[f"{base}/operations"] = {
        "get": {
            "operationId": "operations",
            "summary": "The log: every operation you may see, newest first",
            "tags": ["Operations"],
            "parameters": _query(state.log_parameters()),
            "responses": _responses({"200": _ok("OperationPage", "A page of operations.")}),
        }
    }
    op_id = {"name": "op_id", "in": "path", "required": True, "schema": schemas.OP_ID}
    for action, body, required, summary in (
        ("restore", schemas.RESTORE_BODY, False, "Restore exactly what a deletion removed"),
        ("purge", schemas.PURGE_BODY, True, "Remove a deletion's rows for good"),
    ):
        paths[f"{base}/operations/{{op_id}}/{action}"] = {
            "post": {
                "operationId": action,
                "summary": summary,
                "tags": ["Operations"],
                "parameters": [op_id, idempotency],
                "requestBody": _body(body, required=required),
                "responses": _responses(
                    {"200": _ok("Operation", f"The {action} operation.")},
                    "403",
                    "409",
                    "413",
                    "415",
                ),
            }
        }
    if state.openapi_url is not None:
        paths[f"{base}{state.openapi_url}"] = {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["Operations"],
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {}}}},
                    "429": {"$ref": "#/components/responses/Problem429"},
                    "503": {"$ref": "#/components/responses/Problem503"},
                },
            }
        }
    found: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": state.title, "version": state.version},
        "paths": paths,
        "components": {
            "schemas": COMPONENT_SCHEMAS,
            "responses": {f"Problem{status}": _problem(status) for status in WHY},
            "headers": {"RetryAfter": RETRY_AFTER},
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "Retry safely: the same key and request answer the same.",
                    "schema": {"type": "string", "pattern": schemas.IDEMPOTENCY_KEY_PATTERN},
                }
            },
        },
    }
    if state.security_schemes:
        found["components"]["securitySchemes"] = state.security_schemes
        found["security"] = [{name: []} for name in state.security_schemes]
    return found
