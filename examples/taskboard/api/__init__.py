"""The JSON API under ``/api``: bearer tokens, RFC 9457 errors, one OpenAPI 3.1 document.

Taskboard's resources (list, create, read, change) are flask-smorest views; deleting them,
the trash and the log are Flask-Tombstone's deletion API (:mod:`.deletion`) on the same
paths. ``/api/openapi.json`` is flask-smorest's document with the deletion API's merged in
(:mod:`.openapi`); its Swagger UI and ReDoc pages load their scripts from a CDN, so they stay
off and ``/api/docs`` is a page of our own, rendered from the same document on the server (no
script at all).
"""

from __future__ import annotations

import http
from typing import Any

from flask import Flask
from flask_smorest import Api

from flask_tombstone.problems import PROBLEM_JSON
from taskboard.extensions import csrf
from taskboard.security import MAX_ID, IdConverter

from .openapi_headers import HeadersPlugin
from .schemas import ProblemSchema

API_CONFIG: dict[str, Any] = {
    "API_TITLE": "Taskboard API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": None,  # served by taskboard.api.openapi, merged
    # Whether DELETE and PATCH must carry If-Match (428 without it).
    "TASKBOARD_API_REQUIRE_IF_MATCH": False,
}


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api without its JSON error handler: Taskboard's own handler (in
    ``taskboard.errors``) answers every error on ``/api`` as ``application/problem+json``,
    and the document says so (every error response is a problem)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR",
            {"description": "A problem", "content": {PROBLEM_JSON: {"schema": ProblemSchema}}},
            lazy=True,
        )


def _id_schema(converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def init_app(app: Flask) -> ProblemApi:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = ProblemApi(
        app,
        spec_kwargs={
            "info": {"description": "Taskboard's resources, and deletion done safely."},
            "servers": [{"url": "/"}],
            # If-Match on PATCH; 429 and 503 on every operation.
            "extra_plugins": [HeadersPlugin()],
        },
    )
    api.register_converter(IdConverter, _id_schema)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A personal API token"}
    )
    from . import deletion, openapi, ratelimit
    from .comments import blp as comments
    from .docs import bp as docs
    from .items import blp as items
    from .projects import blp as projects
    from .tags import blp as tags

    for blueprint in (projects, items, comments, tags):
        ratelimit.protect(blueprint)  # after the blueprint's authentication: per caller
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    deletion.init_app(app)
    app.register_blueprint(docs)
    app.register_blueprint(openapi.bp)
    app.extensions["taskboard.api"] = api
    return api
