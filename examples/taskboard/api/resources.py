"""The routes every deletable resource shares: read (with an ETag), DELETE, and
deletion-preview, declared once per model with its scoped loader and delete permission."""

from __future__ import annotations

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema
from werkzeug.wrappers import Response

from . import deleting
from .access import load
from .auth import authenticate
from .schemas import DeleteArgs, OperationSchema, PreviewSchema

SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
ETAG = {"ETag": {"schema": {"type": "string"}}}


def blueprint(name: str, description: str) -> Blueprint:
    """A blueprint under ``/api/<name>`` whose every view needs a bearer token."""
    blp = Blueprint(f"api_{name}", __name__, url_prefix=f"/api/{name}", description=description)
    blp.before_request(authenticate)
    return blp


def with_etag(row: Any, schema: type[Schema]) -> tuple[Any, int, dict[str, str]]:
    return row, 200, {"ETag": f'"{deleting.etag_of(schema().dump(row))}"'}


def add_row_routes(
    blp: Blueprint, model: type[Any], schema: type[Schema], may_delete: Callable[[Any, Any], bool]
) -> None:
    """``GET`` and ``DELETE /<id>``, ``GET /<id>/deletion-preview`` for ``model``."""
    noun = model.__name__.lower()

    class Row(MethodView):
        @blp.doc(security=SECURITY, summary=f"One {noun}, with its ETag")
        @blp.response(200, schema, headers=ETAG)
        def get(self, ident: int) -> tuple[Any, int, dict[str, str]]:
            return with_etag(load(model, ident), schema)

        @blp.doc(security=SECURITY, summary=f"Move the {noun} (and what goes with it) to trash")
        @blp.arguments(DeleteArgs, location="query")
        @blp.response(204)
        @blp.alt_response(
            200, schema=OperationSchema, description="With Prefer: return=representation"
        )
        def delete(self, args: dict[str, Any], ident: int) -> Response:
            row = load(model, ident, allow=may_delete)
            representation = schema().dump(row)
            return deleting.delete_row(row, representation, args.get("confirm_token", ""))

    def preview(ident: int) -> dict[str, Any]:
        return deleting.preview_row(load(model, ident, allow=may_delete))

    preview.__doc__ = f"What deleting the {noun} would take along, blockers, confirm token."
    Row.__name__ = f"{model.__name__}Row"
    blp.route("/<id:ident>")(Row)
    blp.route("/<id:ident>/deletion-preview", endpoint="preview")(
        blp.doc(security=SECURITY)(blp.response(200, PreviewSchema)(preview))
    )
