"""``/api/openapi.json``: one OpenAPI 3.1 document for the whole API, flask-smorest's (the
resources) with Flask-Tombstone's deletion API's merged in (delete, preview, bulk delete,
trash, log, restore, purge).

The deletion API names a row's path parameter ``{id}``; Taskboard names it for its model
(``{item_id}``), so a row's ``GET``, ``PATCH`` and ``DELETE`` share one path of the document.
Components the two define alike are kept once; one the deletion API defines otherwise (its
``Problem``) is kept under ``Deletion<name>`` and its references follow.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from flask_tombstone.api import DeletionAPI

from .resources import SECURITY

bp = Blueprint("api_openapi", __name__, url_prefix="/api")


@bp.get("/openapi.json")
def served() -> Response:
    return jsonify(document())


def document() -> dict[str, Any]:
    """The merged document for the current app and request."""
    # Copies: apispec's dictionaries are its own state, kept between requests.
    spec: dict[str, Any] = copy.deepcopy(current_app.extensions["taskboard.api"].spec.to_dict())
    deletion: DeletionAPI = current_app.extensions["tombstone_api"]
    extra = copy.deepcopy(deletion.document())
    renamed = _merge_components(spec.setdefault("components", {}), extra.get("components", {}))
    extra_paths = _renamed_refs(extra["paths"], renamed)
    slugs = {slug: model.__name__.lower() for slug, model in deletion.models.items()}
    paths = spec.setdefault("paths", {})
    for given, item in extra_paths.items():
        path = _named_row(given, item, slugs)
        for operation in item.values():
            operation.setdefault("security", SECURITY)
        paths.setdefault(path, {}).update(item)
    spec["paths"] = dict(sorted(paths.items()))
    return spec


def _merge_components(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, str]:
    """Add the deletion API's components to ``ours``; ``{old ref: new ref}`` for those kept
    under another name."""
    renamed: dict[str, str] = {}
    for kind, entries in theirs.items():
        target = ours.setdefault(kind, {})
        for name, value in entries.items():
            if name not in target or target[name] == value:
                target[name] = value
                continue
            renamed[f"#/components/{kind}/{name}"] = f"#/components/{kind}/Deletion{name}"
    for kind, entries in theirs.items():
        for name, value in entries.items():
            old = f"#/components/{kind}/{name}"
            if old in renamed:
                ours[kind][renamed[old].rsplit("/", 1)[1]] = _renamed_refs(value, renamed)
            elif ours[kind].get(name) is value:
                ours[kind][name] = _renamed_refs(value, renamed)
    return renamed


def _renamed_refs(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: renamed.get(v, v) if k == "$ref" else _renamed_refs(v, renamed)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_renamed_refs(v, renamed) for v in value]
    return value


def _named_row(path: str, item: dict[str, Any], slugs: dict[str, str]) -> str:
    """``/api/items/{id}...`` as ``/api/items/{item_id}...``, its parameter renamed along."""
    parts = path.split("/")
    if "{id}" not in parts:
        return path
    slug = parts[parts.index("{id}") - 1]
    name = f"{slugs.get(slug, slug)}_id"
    path = path.replace("{id}", "{" + name + "}")
    for operation in item.values():
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") == "id":
                parameter["name"] = name
    return path
