"""DELETE and deletion-preview, shared by every resource: ETag preconditions, the engine
through the deletion services, and the operation as the representation."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, jsonify, request, url_for
from werkzeug.wrappers import Response

from flask_tombstone import Operation
from flask_tombstone.cli import parse_duration
from taskboard.deletion import services
from taskboard.deletion.errors import Refused
from taskboard.extensions import db

from .auth import caller
from .problems import abort_problem
from .refusals import abort_refused
from .schemas import OperationSchema

OPERATION_SCHEMA = OperationSchema()  # stateless: one instance serves every request


#: What ``If-Match`` may hold (RFC 9110): ``*``, or entity tags separated by commas. This API's
#: are strong, a digest in 32 hex digits between quotes (:func:`etag_of`); a well-formed tag
#: that is not the row's current one is ``412``, a value that is not a list of tags ``400``.
ENTITY_TAG = r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"'
IF_MATCH_PATTERN = rf"^(\*|{ENTITY_TAG}([ \t]*,[ \t]*{ENTITY_TAG})*)$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def etag_of(representation: dict[str, Any]) -> str:
    """A strong ETag: a digest of the row's representation."""
    text = json.dumps(representation, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_if_match(current: str | Callable[[], str]) -> None:
    """412 when ``If-Match`` names another version; 428 when it is required and absent.

    ``current`` is the row's ETag, or a function computing it: then it is computed only when
    ``If-Match`` was sent (a DELETE without one does not serialise the row).
    """
    if "If-Match" not in request.headers:
        if current_app.config["TASKBOARD_API_REQUIRE_IF_MATCH"]:
            abort_problem(
                428, "Precondition Required", "Send If-Match with the ETag from your last GET."
            )
        return
    if not _IF_MATCH.match(request.headers["If-Match"]):
        abort_problem(
            400,
            "Bad Request",
            'If-Match holds "*" or entity tags such as this API\'s ETags ("0123...").',
            errors={"headers": {"If-Match": ["Not a list of entity tags."]}},
        )
    if request.if_match.star_tag:
        return
    if not request.if_match.contains(current() if callable(current) else current):
        abort_problem(
            412,
            "Precondition Failed",
            "This changed since you read it: GET it again, then retry with its new ETag.",
        )


Representation = dict[str, Any] | Callable[[], dict[str, Any]]


def delete_row(row: Any, representation: Representation, confirm_token: str) -> Response:
    """Delete ``row`` for the caller: 204, or 200 with the operation when asked for.
    ``representation`` may be a function: the row is serialised only to check ``If-Match``."""

    def current() -> str:
        return etag_of(representation() if callable(representation) else representation)

    check_if_match(current)
    return delete_target(row, confirm_token)


def delete_target(target: Any, confirm_token: str, *, bulk: bool = False) -> Response:
    """Delete ``target`` (a row, or a ``select()`` for bulk) in one operation and commit."""
    try:
        operation = services.delete(services.DeleteCommand(target, caller(), token=confirm_token))
    except Refused as refused:
        db.session.rollback()
        if refused.code == "gone":
            # Someone else's DELETE won the race: for this caller the row is simply not here.
            abort_problem(404, "Not Found", "It is not here (any more).")
        abort_refused(refused)
    db.session.commit()
    if bulk or "return=representation" in request.headers.get("Prefer", ""):
        response = jsonify(OPERATION_SCHEMA.dump(represent_operation(operation)))
        response.headers["Preference-Applied"] = "return=representation"
        return response
    return Response(status=204)


def represent_operation(operation: Operation) -> dict[str, Any]:
    retention = parse_duration(str(current_app.config["TOMBSTONE_RETENTION"]))
    expires: datetime | None = (
        operation.created_at + retention if operation.kind == "delete" else None
    )
    return {
        "id": operation.id,
        "kind": operation.kind,
        "status": operation.status,
        "root_model": operation.root_model,
        "counts": dict(operation.counts),
        "created_at": operation.created_at,
        "undo": (
            url_for("api_operations.restore", op_id=operation.id)
            if operation.kind == "delete"
            else None
        ),
        "expires_at": expires,
    }


def preview_row(row: Any) -> dict[str, Any]:
    try:
        plan = services.preview(row, caller())
    except Refused as refused:
        abort_problem(refused.status, refused.title, " ".join(refused.reasons), code=refused.code)
    return plan.as_dict()
