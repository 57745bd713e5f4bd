"""RFC 9457 problem details for the engine's errors, so every JSON API answers alike."""

from __future__ import annotations

from typing import Any

from flask import Response, json

from .core import TombstoneError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://flask-tombstone.readthedocs.io/problems/"


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A ``application/problem+json`` response with ``type``, ``title``, ``status``, ``detail``
    and any extension members."""
    body: dict[str, Any] = {"type": type_ or "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_for(error: TombstoneError) -> Response:
    """The problem response for an engine error: its status, title and structured detail."""
    return problem(
        error.status,
        error.title,
        str(error),
        type_=TYPE_BASE + error.code.replace("_", "-"),
        code=error.code,
        **error.extensions(),
    )
