"""``/api/docs``: the OpenAPI document as a page, rendered on the server (no CDN, no script)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .openapi import document

bp = Blueprint("api_docs", __name__, url_prefix="/api")

METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/docs")
def docs() -> str:
    spec = document()
    operations = [
        (method.upper(), path, details)
        for path, item in sorted(spec.get("paths", {}).items())
        for method, details in item.items()
        if method in METHODS
    ]
    return render_template("api/docs.html", spec=spec, operations=operations)
