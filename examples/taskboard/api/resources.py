"""The routes every resource shares, declared once per model from a :class:`Resource`: list
(paginated, filtered) and create; read (with an ETag) and change (``If-Match``) one row.
Deleting (one row, its preview, bulk) is Flask-Tombstone's deletion API on the same paths
(:mod:`.deletion`), with the list's filter grammar (``matching``).

A row's path parameter is named for its model (``/api/items/{item_id}``), an ``<id:...>``
(``taskboard.security.IdConverter``: anything but a positive INTEGER is no route at all).
"""

from __future__ import annotations

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask.views import MethodView
from marshmallow import Schema
from sqlalchemy import Select
from sqlalchemy.sql.base import ExecutableOption

from taskboard.models import User

from . import writes
from .access import load
from .auth import authenticate, caller
from .paging import paged
from .parser import Blueprint
from .resource_schemas import list_args_of
from .schemas import page_of

SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
ETAG = {"ETag": {"schema": {"type": "string"}}}
CREATED = ETAG | {"Location": {"schema": {"type": "string"}}}
Rule = Callable[[User, Any], bool]  # a permission of taskboard.access.permissions


@dataclass(frozen=True)
class Resource:
    """One model as the API offers it. The callables are the app's own: scoped loaders,
    permissions and services; nothing here re-states a rule."""

    model: type[Any]
    schema: type[Schema]  # the representation
    filter_schema: type[Schema]  # the list's filter
    matching: Callable[[User, dict[str, Any]], Select[Any]]  # visible rows matching a filter
    order: tuple[Any, ...]  # the list's order
    create_schema: type[Schema]
    update_schema: type[Schema]  # PATCH sends any subset of it
    create: Callable[[User, dict[str, Any]], Any]  # a new row through the service (no commit)
    update: Callable[[Any, dict[str, Any]], Any]  # the row changed through the service
    may_edit: Rule
    # Loader options (``selectinload``, ``joinedload``...), so that what is read next comes in
    # the same statement (or one more for a whole page), never one lazy load per row:
    list_options: Sequence[ExecutableOption] = ()  # a page's rows: what the representation reads
    # What deleting one row reads besides it (bench.http.handled loads an item with these).
    delete_options: Sequence[ExecutableOption] = ()

    @property
    def noun(self) -> str:
        return self.model.__name__.lower()

    @property
    def row_parameter(self) -> str:
        """The name of a row's path parameter: ``item_id`` in ``/api/items/{item_id}``."""
        return f"{self.noun}_id"

    @property
    def row_rule(self) -> str:
        """A row's URL rule under the blueprint: ``/<id:item_id>``."""
        return f"/<id:{self.row_parameter}>"


def narrowed(
    query: Select[Any],
    wanted: dict[str, Any],
    equal: dict[str, Any],
    contains: dict[str, Any] | None = None,
) -> Select[Any]:
    """``query`` narrowed by the filter ``wanted``: its fields named in ``equal`` match their
    column exactly, those in ``contains`` as a case-insensitive substring."""
    for name, column in equal.items():
        if name in wanted:
            query = query.where(column == wanted[name])
    for name, column in (contains or {}).items():
        if name in wanted:
            query = query.where(column.icontains(wanted[name], autoescape=True))
    return query


def blueprint(name: str, description: str) -> Blueprint:
    """A blueprint under ``/api/<name>`` whose every view needs a bearer token."""
    blp = Blueprint(f"api_{name}", __name__, url_prefix=f"/api/{name}", description=description)
    blp.before_request(authenticate)
    return blp


def with_etag(row: Any, schema: Schema) -> tuple[Any, int, dict[str, str]]:
    return row, 200, {"ETag": writes.etag(row)}


def add_routes(blp: Blueprint, resource: Resource) -> None:
    representation = resource.schema()  # stateless: one instance serves every request
    add_collection_routes(blp, resource, representation)
    add_row_routes(blp, resource, representation)


def add_collection_routes(blp: Blueprint, resource: Resource, representation: Schema) -> None:
    """``GET`` (one page, filtered) and ``POST`` (create) on ``/api/<things>``."""
    noun, schema = resource.noun, resource.schema
    article = "an" if noun[0] in "aeiou" else "a"

    class Rows(MethodView):
        @blp.doc(security=SECURITY, summary=f"The {noun}s the caller can see, one page")
        @blp.arguments(list_args_of(resource.filter_schema), location="query")
        @blp.response(200, page_of(schema))
        def get(self, args: dict[str, Any]) -> dict[str, Any]:
            wanted = {k: v for k, v in args.items() if k not in ("page", "per_page")}
            query = resource.matching(caller(), wanted).order_by(*resource.order)
            return paged(query.options(*resource.list_options), args)

        @blp.doc(security=SECURITY, summary=f"Create {article} {noun}, answered with its ETag")
        @blp.arguments(resource.create_schema)
        @blp.response(201, schema, headers=CREATED)
        @blp.alt_response(409, response="CONFLICT")  # a taken name, or a save racing ours
        def post(self, data: dict[str, Any]) -> tuple[Any, int, dict[str, str]]:
            row = writes.commit(lambda: resource.create(caller(), data))
            location = f"{blp.url_prefix}/{row.id}"
            return row, 201, {"ETag": writes.etag(row), "Location": location}

    Rows.__name__ = f"{resource.model.__name__}Rows"
    blp.route("")(Rows)


def add_row_routes(blp: Blueprint, resource: Resource, representation: Schema) -> None:
    """``GET`` and ``PATCH /<id>``. The row is serialised for its ETag only where one is
    answered; ``DELETE`` on the same path is the deletion API's."""
    model, schema, noun = resource.model, resource.schema, resource.noun
    key = resource.row_parameter

    class Row(MethodView):
        @blp.doc(security=SECURITY, summary=f"One {noun}, with its ETag")
        @blp.response(200, schema, headers=ETAG)
        def get(self, **path: int) -> tuple[Any, int, dict[str, str]]:
            return with_etag(load(model, path[key]), representation)

        @blp.doc(security=SECURITY, summary=f"Change some of the {noun}'s fields (If-Match)")
        @blp.arguments(resource.update_schema(partial=True))
        @blp.response(200, schema, headers=ETAG)
        @blp.alt_response(409, response="CONFLICT")  # a taken name, or a save racing ours
        def patch(self, data: dict[str, Any], **path: int) -> tuple[Any, int, dict[str, str]]:
            row = load(model, path[key], allow=resource.may_edit)
            writes.check_if_match(row)
            writes.commit(lambda: resource.update(row, data))
            return with_etag(row, representation)

    Row.__name__ = f"{model.__name__}Row"
    blp.route(resource.row_rule)(Row)
