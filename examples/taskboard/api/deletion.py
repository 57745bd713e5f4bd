"""Taskboard's deletion endpoints: Flask-Tombstone's :class:`~flask_tombstone.api.DeletionAPI`,
configured with Taskboard's rules (:data:`taskboard.access.hooks.ACCESS`), its bearer tokens
and rate limits, the lists' filters for bulk deletes, usernames in the log, and the log's
``project_id`` filter. Nothing of the deletion itself is written here.

``DELETE /api/<things>/<id>``, ``GET /api/<things>/<id>/deletion-preview``,
``POST /api/<things>/bulk-delete``, ``GET /api/trash``, ``GET /api/operations`` and
``POST /api/operations/<id>/restore|purge`` are the extension's; ``GET``/``PATCH`` of the same
rows stay with flask-smorest (Flask routes one path by method).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Select, false, select
from werkzeug.datastructures import MultiDict

from flask_tombstone.api import DeletionAPI, OperationFilter
from taskboard.access import rows
from taskboard.access.hooks import ACCESS, actor_names, actors_named, index_operations
from taskboard.extensions import csrf, tombstone
from taskboard.models import (
    Comment,
    Item,
    Operation,
    OperationProject,
    Project,
    Status,
    Tag,
    User,
)
from taskboard.security import MAX_ID

from . import comments, items, projects, ratelimit, tags
from .auth import authenticate
from .schemas import NAME

#: Taskboard's settings, and the extension's they configure (Taskboard's names stay the
#: documented ones).
SETTINGS = {
    "TASKBOARD_API_REQUIRE_IF_MATCH": "TOMBSTONE_API_REQUIRE_IF_MATCH",
    "TASKBOARD_BULK_CAP": "TOMBSTONE_API_BULK_CAP",
    "TASKBOARD_PER_PAGE": "TOMBSTONE_API_PAGE_SIZE",
    "TASKBOARD_IDEMPOTENCY_STORE_URI": "TOMBSTONE_API_IDEMPOTENCY_STORE",
    "TASKBOARD_IDEMPOTENCY_TTL": "TOMBSTONE_API_IDEMPOTENCY_TTL",
    "TASKBOARD_IDEMPOTENCY_RUNNING_TIMEOUT": "TOMBSTONE_API_IDEMPOTENCY_RUNNING_TIMEOUT",
    "TASKBOARD_IDEMPOTENCY_KEY_PREFIX": "TOMBSTONE_API_IDEMPOTENCY_PREFIX",
    "MAX_CONTENT_LENGTH": "TOMBSTONE_API_MAX_BODY",  # one limit on every body
}
SECURITY = {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token"}}

ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def named(longest: int) -> dict[str, Any]:
    """A filter's text: not blank, no NUL, at most ``longest`` characters (trimmed after)."""
    return {"type": "string", "minLength": 1, "maxLength": longest, "pattern": NAME}


# -- the lists' filters, for bulk deletes -----------------------------------------------------
Matching = Callable[[User, dict[str, Any]], Select[Any]]


def list_filter(model: Any, matching: Matching, integers: tuple[str, ...] = ()) -> Any:
    """The extension's filter parser from a list's ``matching(user, wanted)``: the rows a bulk
    delete by filter takes are those the list shows with the same filter (one grammar)."""

    def parse(args: MultiDict[str, str]) -> ColumnElement[bool]:
        wanted = {k: int(v) if k in integers else v.strip() for k, v in args.items()}
        user: User = ACCESS.actor()
        chosen = matching(user, wanted).order_by(None).with_only_columns(model.id)
        return model.id.in_(chosen)  # type: ignore[no-any-return]

    return parse


FILTERS: dict[type, tuple[Any, dict[str, dict[str, Any]]]] = {
    # model: (parser, {field: JSON Schema})
    Project: (
        list_filter(Project, projects.matching),
        {"q": named(200), "role": {"type": "string", "enum": ["owner", "member"]}},
    ),
    Item: (
        list_filter(Item, items.matching, ("project_id",)),
        {
            "project_id": ID,
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "q": named(200),
            "assignee": {"type": "string", "enum": ["me", "none"]},
            "tag": named(40),
        },
    ),
    Comment: (
        list_filter(Comment, comments.matching, ("item_id", "author_id")),
        {"item_id": ID, "author_id": ID, "q": named(200)},
    ),
    Tag: (
        list_filter(Tag, tags.matching, ("project_id",)),
        {"project_id": ID, "name": named(40)},
    ),
}
SLUGS = {"projects": Project, "items": Item, "comments": Comment, "tags": Tag}


# -- the log: names, and Taskboard's filters --------------------------------------------------
def by_username(name: str, actor: User) -> ColumnElement[bool]:
    """``actor=<username>`` (any case): what the accounts of that name did — the log shows
    each by name, and a deleted account's name may be taken again by another."""
    accounts = actors_named(name)
    return Operation.actor.in_(accounts) if accounts else false()


def by_project(project_id: int, actor: User) -> ColumnElement[bool]:
    """``project_id``: what touched that project, if the caller is on it (an operation that
    also touched another team's project must not tell them that project exists)."""
    if not actor.is_admin and rows.find(Project, project_id, actor) is None:
        return false()
    touched = select(OperationProject.op_id).where(OperationProject.project_id == project_id)
    return Operation.id.in_(touched)


OPERATION_FILTERS = {
    # replaces the extension's actor=<recorded id>
    "actor": OperationFilter({**named(40), "description": "A username"}, by_username),
    "project_id": OperationFilter({**ID, "description": "Touched this project"}, by_project),
}


def init_app(app: Flask) -> DeletionAPI:
    """Mount the deletion API under ``/api``, behind Taskboard's token and rate limits."""
    for ours, theirs in SETTINGS.items():
        if app.config.get(ours) is not None and theirs not in app.config:
            app.config[theirs] = app.config[ours]
    api = DeletionAPI(
        tombstone=tombstone,
        access=ACCESS,
        url_prefix="/api",
        security_schemes=SECURITY,
        row_limit=ratelimit.row_limit,
        actor_names=actor_names,
        operation_filters=OPERATION_FILTERS,
        openapi_url=None,  # one document: taskboard.api.openapi merges this API's in
        title="Taskboard API",
    )
    for slug, model in SLUGS.items():
        parse, fields = FILTERS[model]
        api.register(model, slug=slug, filter=parse, filter_fields=fields)
    api.blueprint.before_request(authenticate)
    ratelimit.protect(api.blueprint)  # after the authentication: per caller
    csrf.exempt(api.blueprint)
    api.init_app(app)
    index_operations(app)
    return api
