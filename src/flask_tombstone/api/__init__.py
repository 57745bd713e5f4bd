"""The deletion API, for any Flask app: delete, preview, bulk delete, trash, restore, purge and
the log as JSON, with an OpenAPI 3.1 document generated from the registered models.

::

    tombstone = Tombstone(app, db=db)
    api = DeletionAPI(app, tombstone, access=access)     # under /api
    api.register(Task, slug="tasks", filter=task_filter)

Authentication is the app's: :meth:`Access.actor <flask_tombstone.access.Access.actor>` reads
the bearer token (or whatever the app uses). Who may see and do what is :class:`Access`'s to
say, as for the HTML views; given the :class:`~flask_tombstone.views.DeletionViews`, the API
serves the same models, filters and access rules. Every error is ``application/problem+json``.
See ``docs/api-extension.md``.

.. versionadded:: 0.2
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import ColumnElement
from werkzeug.wrappers import Response

from flask_tombstone.access import Access
from flask_tombstone.core.errors import ConfigurationError
from flask_tombstone.core.graph import Node
from flask_tombstone.core.sql import dialect_name
from flask_tombstone.urls import (
    OperationId,
    default_slug,
    refuse_composite_key,
    registrations,
)
from flask_tombstone.views.bulk import FilterParser, InvalidFilter

from . import schemas
from .problems import answer_unrouted, register_handlers
from .rows import etag
from .state import EXTENSION, caller, session
from .stores import IdempotencyStore, Lifetimes, idempotency_table, store_from_config
from .validate import check_supported

API_DEFAULTS: dict[str, Any] = {
    "TOMBSTONE_API_REQUIRE_IF_MATCH": False,  # DELETE without If-Match -> 428
    "TOMBSTONE_API_BULK_CAP": 1000,  # the most rows one bulk delete takes
    "TOMBSTONE_API_MAX_BODY": 64 * 1024,  # bytes of a request body (413 beyond)
    "TOMBSTONE_API_MAX_DEPTH": 32,  # nesting of arrays and objects in a body (400 beyond)
    "TOMBSTONE_API_PAGE_SIZE": 50,  # operations per page of the trash and the log
    "TOMBSTONE_API_MAX_PAGE_SIZE": 100,  # the largest per_page
    "TOMBSTONE_API_RETRY_AFTER": 5,  # seconds, on 503 when the database does not answer
    "TOMBSTONE_API_IDEMPOTENCY_STORE": None,  # None: the database; "redis://..."; a store
    "TOMBSTONE_API_IDEMPOTENCY_TTL": "24h",  # how long an answer is replayed
    "TOMBSTONE_API_IDEMPOTENCY_RUNNING_TIMEOUT": "5m",  # how long a claim holds its key
    "TOMBSTONE_API_IDEMPOTENCY_PREFIX": "tombstone:idempotency",  # Redis key prefix
}
RESERVED = ("trash", "operations", "openapi.json")
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

RateLimit = Callable[[str, Any], float | None]
"""``rate_limit(endpoint, actor) -> seconds to wait, or None``: ``429`` with ``Retry-After``.
``endpoint`` is one of ``delete``, ``preview``, ``bulk_delete``, ``trash``, ``operations``,
``restore``, ``purge``, ``openapi``."""

RowLimit = Callable[[Any, int], float | None]
"""``row_limit(actor, rows) -> seconds to wait, or None``: charged once a deletion knows how
many rows it was asked to delete (``1`` for ``DELETE``, the count of a bulk delete) and
before anything is written, so a batch over the caller's budget is refused whole (``429``
with ``Retry-After``; the hook may also raise an ``HTTPException`` carrying its own answer)."""

ActorNames = Callable[[list[str]], Mapping[str, str]]
"""``actor_names(recorded) -> {recorded: name}``: how the API shows the actors of operations
(the log records an id, ``actor_id(actor)``; the answer may name them). Missing ones show as
recorded."""


@dataclass(frozen=True)
class OperationFilter:
    """A query parameter of the trash and the log that the app defines (a tenant, a project):
    ``schema`` checks the value (JSON Schema, published in the document), ``criterion(value,
    actor)`` narrows the operations. One named like a built-in parameter (``actor``) replaces
    it.

    .. versionadded:: 0.2
    """

    schema: Mapping[str, Any]
    criterion: Callable[[Any, Any], ColumnElement[bool]]


class DeletionAPI:
    """Register the JSON deletion API on an app.

    :param tombstone: the app's :class:`~flask_tombstone.Tombstone`.
    :param access: the authorization hooks (default: the ``views``' access, else
        :class:`Access`). Its ``deletable`` hook becomes the engine's permission when the
        engine has none.
    :param views: a :class:`~flask_tombstone.views.DeletionViews`: its models, slugs,
        filters and access are the API's too (:meth:`register` adds or overrides).
    :param models: models to register now: a list (slug: the table name) or ``{slug: model}``.
    :param url_prefix: where the API is mounted (not empty: unrouted URLs under it are
        answered as problems).
    :param rate_limit: see :data:`RateLimit`.
    :param idempotency_store: where ``Idempotency-Key`` answers live (default: the
        ``TOMBSTONE_API_IDEMPOTENCY_STORE`` setting).
    :param security_schemes: OpenAPI security schemes the document declares, e.g.
        ``{"bearer": {"type": "http", "scheme": "bearer"}}``; required on every endpoint.
    :param row_limit: see :data:`RowLimit`.
    :param actor_names: see :data:`ActorNames`.
    :param operation_filters: ``{parameter: OperationFilter}``: the trash's and the log's
        parameters the app adds (or replaces).
    :param openapi_url: where the blueprint serves its document (``None``: not served; an app
        with an OpenAPI document of its own merges :meth:`document` into it).

    The blueprint (:attr:`blueprint`) is made here, so an app can add its own
    ``before_request`` hooks (its authentication, its rate limits) or exempt it from CSRF
    before :meth:`init_app` registers it.

    .. versionchanged:: 0.2
        ``row_limit``, ``actor_names``, ``operation_filters``, ``openapi_url``, :attr:`blueprint`.
    """

    def __init__(
        self,
        app: Flask | None = None,
        tombstone: Any = None,
        *,
        access: Access | None = None,
        views: Any = None,
        models: Iterable[type] | Mapping[str, type] = (),
        url_prefix: str = "/api",
        rate_limit: RateLimit | None = None,
        idempotency_store: IdempotencyStore | None = None,
        security_schemes: Mapping[str, Any] | None = None,
        title: str = "Deletion API",
        version: str = "1",
        row_limit: RowLimit | None = None,
        actor_names: ActorNames | None = None,
        operation_filters: Mapping[str, OperationFilter] | None = None,
        openapi_url: str | None = "/openapi.json",
    ) -> None:
        if tombstone is None:
            raise TypeError("DeletionAPI(app, tombstone, ...) needs the app's Tombstone")
        if not url_prefix.startswith("/") or url_prefix == "/" or url_prefix.endswith("/"):
            raise ValueError(f"url_prefix={url_prefix!r}: a path such as '/api'")
        self.tombstone = tombstone
        self.views = views
        self.access: Access = access or (views.access if views is not None else Access())
        self.url_prefix = url_prefix
        self.rate_limit = rate_limit
        self.row_limit = row_limit
        self.actor_names = actor_names
        self.operation_filters: dict[str, OperationFilter] = dict(operation_filters or {})
        for name, extra in self.operation_filters.items():
            check_supported(dict(extra.schema), f"operation filter {name!r}")
        self.openapi_url = openapi_url
        self.security_schemes = dict(security_schemes or {})
        self.title, self.version = title, version
        self.authenticate_header = (
            "Bearer" if not security_schemes else _challenge(self.security_schemes)
        )
        self._store = idempotency_store
        self._models: dict[str, type] = {}
        self._filters: dict[type, FilterParser] = {}
        self.filter_fields: dict[type, dict[str, dict[str, Any]]] = {}
        self.table = idempotency_table(tombstone.metadata)
        for slug, model in registrations(models):
            self.register(model, slug=slug)
        self.access.govern(tombstone)
        self.blueprint = self._blueprint()
        if app is not None:
            self.init_app(app)

    # -- registrations -----------------------------------------------------------------------
    def register(
        self,
        model: type,
        *,
        slug: str | None = None,
        filter: FilterParser | None = None,
        filter_fields: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Serve ``model`` at ``/<slug>/<id>`` (delete, preview) and ``/<slug>/bulk-delete``.

        :param filter: the app's listing filter (the views' :data:`FilterParser`), which makes
            ``{"filter": {...}}`` bulk deletes possible. It receives the filter object as a
            ``MultiDict`` of strings (numbers as decimals, booleans ``true``/``false``).
        :param filter_fields: ``{field: JSON Schema}``: the filter's fields, checked before
            ``filter`` runs and published in the document; an unknown field is ``422``.
            Without it any field holding 1 to 200 characters goes to ``filter``.
        :raises ConfigurationError: a slug taken by another model or by the API itself, or
            a field schema the API could not check as the document says.
        """
        slug = slug or default_slug(model)
        if not SLUG.fullmatch(slug) or slug in RESERVED:
            raise ConfigurationError(
                f"/{slug}/ cannot be a model's URL in the API (lower-case letters, digits, "
                f"- and _; not {', '.join(RESERVED)})",
                model=model.__name__,
            )
        if self.models.get(slug, model) is not model:
            raise ConfigurationError(f"two models registered at /{slug}/", model=model.__name__)
        refuse_composite_key(model, "the API's endpoints")
        if filter_fields is not None:
            for name, schema in filter_fields.items():
                check_supported(schema, f"{model.__name__} filter field {name!r}")
            self.filter_fields[model] = {name: dict(s) for name, s in filter_fields.items()}
        self._models[slug] = model
        if filter is not None:
            self._filters[model] = filter

    @property
    def models(self) -> dict[str, type]:
        """``{slug: model}``: the views' registrations, then the API's own."""
        shared = dict(self.views.models) if self.views is not None else {}
        return shared | self._models

    @property
    def filters(self) -> dict[type, FilterParser]:
        shared = dict(self.views.filters) if self.views is not None else {}
        return shared | self._filters

    # -- setup -------------------------------------------------------------------------------
    def init_app(self, app: Flask) -> None:
        """Mount the blueprint and read the ``TOMBSTONE_API_*`` settings.

        :raises RuntimeError: the app has no Tombstone yet, or already has a deletion API.
        """
        if "tombstone" not in app.extensions:
            raise RuntimeError("DeletionAPI needs Tombstone(app, db=db) (or init_app) first")
        if EXTENSION in app.extensions:
            raise RuntimeError("a DeletionAPI is already registered on this app")
        for key, value in API_DEFAULTS.items():
            app.config.setdefault(key, value)
        app.url_map.converters.setdefault("tombstone_api_op", OperationId)
        app.extensions[EXTENSION] = self
        app.register_blueprint(self.blueprint, url_prefix=self.url_prefix)
        answer_unrouted(app, self.url_prefix)

    def _blueprint(self) -> Blueprint:
        from . import deleting, logbook

        blueprint = Blueprint("tombstone_api", __name__)
        add = blueprint.add_url_rule
        if self.openapi_url is not None:
            add(self.openapi_url, "openapi", openapi_document)
        add("/trash", "trash", logbook.trash)
        add("/operations", "operations", logbook.log)
        op = "/operations/<tombstone_api_op:op_id>"
        add(f"{op}/restore", "restore", logbook.restore, methods=["POST"])
        add(f"{op}/purge", "purge", logbook.purge, methods=["POST"])
        add("/<slug>/bulk-delete", "bulk_delete", deleting.bulk_delete, methods=["POST"])
        add("/<slug>/<key>", "delete", deleting.delete_row, methods=["DELETE"])
        add("/<slug>/<key>/deletion-preview", "preview", deleting.preview)
        register_handlers(blueprint)
        return blueprint

    # -- for the endpoints -------------------------------------------------------------------
    def idempotency_store(self) -> IdempotencyStore:
        """The store of the current app (made once from its settings)."""
        from flask_tombstone.cli import parse_duration

        if self._store is not None:
            return self._store
        key = EXTENSION + ".store"
        extensions = current_app.extensions
        if key not in extensions:
            config = current_app.config
            lifetimes = Lifetimes(
                parse_duration(str(config["TOMBSTONE_API_IDEMPOTENCY_TTL"])),
                parse_duration(str(config["TOMBSTONE_API_IDEMPOTENCY_RUNNING_TIMEOUT"])),
            )
            extensions[key] = store_from_config(
                config["TOMBSTONE_API_IDEMPOTENCY_STORE"],
                engine=self.tombstone.db.engine,
                table=self.table,
                lifetimes=lifetimes,
                prefix=str(config["TOMBSTONE_API_IDEMPOTENCY_PREFIX"]),
            )
        found: IdempotencyStore = extensions[key]
        return found

    def key_schema(self, node: Node) -> dict[str, Any]:
        return schemas.key_schema(node, dialect_name(session()))

    def soft_models(self) -> list[str]:
        return sorted(node.name for node in self.tombstone.graph.nodes.values() if node.soft)

    def max_page_size(self) -> int:
        return int(current_app.config["TOMBSTONE_API_MAX_PAGE_SIZE"])

    def trash_parameters(self) -> dict[str, dict[str, Any]]:
        """The trash's query parameters: the built-in ones, then the app's."""
        found = schemas.trash_parameters(self.soft_models(), self.max_page_size())
        return found | {name: dict(f.schema) for name, f in self.operation_filters.items()}

    def log_parameters(self) -> dict[str, dict[str, Any]]:
        """The log's query parameters: the built-in ones, then the app's."""
        found = schemas.operations_parameters(self.soft_models(), self.max_page_size())
        return found | {name: dict(f.schema) for name, f in self.operation_filters.items()}

    def document(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this API for the current app and request (what
        ``openapi_url`` serves), for an app that publishes one document of its own."""
        from .openapi import document

        return document()


def openapi_document() -> Response:
    """``GET /openapi.json``: the OpenAPI 3.1 document of this API, as this app configures it."""
    from .openapi import document

    caller("openapi", anonymous=True)
    return jsonify(document())


def _challenge(security: Mapping[str, Any]) -> str:
    for scheme in security.values():
        if scheme.get("type") == "http" and scheme.get("scheme"):
            return str(scheme["scheme"]).capitalize()
    return "Bearer"


__all__ = [
    "API_DEFAULTS",
    "ActorNames",
    "DeletionAPI",
    "FilterParser",
    "IdempotencyStore",
    "InvalidFilter",
    "OperationFilter",
    "OperationId",
    "RateLimit",
    "RowLimit",
    "etag",
]
