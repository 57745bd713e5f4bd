"""Errors of the API as RFC 9457 problems: aborting with one, and werkzeug's and webargs'
errors turned into one."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from flask_tombstone.problems import problem

PREFIX = "/api"


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def abort_problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> NoReturn:
    abort(problem(status, title, detail, headers=headers, **extensions))


def http_problem(error: HTTPException, detail: str) -> Response:
    """The problem for an HTTP error; webargs' validation messages go in ``errors``."""
    status = error.code or 500
    data: dict[str, Any] = getattr(error, "data", None) or {}
    extensions: dict[str, Any] = {}
    if "messages" in data:
        extensions["errors"] = data["messages"]
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers |= data.get("headers") or {}
    return problem(status, error.name, detail, headers=headers, **extensions)
