"""One row of a registered model, for the caller: its canonical key, whether they may see it
(``404``) and delete it (``403``), and its ETag for ``If-Match``."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import current_app, request
from sqlalchemy import inspect, select

from flask_tombstone.access import allowed_column, where_all
from flask_tombstone.core.errors import InvalidTarget
from flask_tombstone.core.graph import Node
from flask_tombstone.core.keys import key_from_text
from flask_tombstone.core.sql import dialect_name

from .problems import ApiProblem, fail, not_found
from .schemas import IF_MATCH_PATTERN
from .state import api, session

IF_MATCH = re.compile(IF_MATCH_PATTERN)


def model_for(slug: str) -> tuple[type, Node]:
    model = api().models.get(slug)
    if model is None:
        not_found()
    node = api().tombstone.graph.governing(model)
    return model, node


def parse_key(node: Node, text: Any) -> Any:
    """A key of ``node`` from a URL segment or a JSON value, in its one canonical form
    (``01``, ``+1``, full-width digits, an upper-case or braced UUID are no key): else ``None``."""
    from sqlalchemy import Integer, Uuid

    if isinstance(text, str) and "/" in text and not isinstance(node.pk.type, Integer | Uuid):
        return None
    try:
        return key_from_text(node.pk, text, dialect=dialect_name(session()))
    except InvalidTarget:
        return None


def load(model: type, node: Node, text: str, actor: Any) -> Any:
    """The live row the actor may see (``404`` otherwise, trashed rows included), after
    checking they may delete it (``403``)."""
    value = parse_key(node, text)
    if value is None:
        not_found()
    state = api()
    pk = getattr(model, node.pk_key)
    seen = where_all(state.access.visible(actor, model))
    # The row and whether they may delete it, in one statement (one snapshot).
    may = allowed_column(state.access.deletable(actor, model))
    found: Any = session().execute(select(model, may).where(pk == value, *seen)).first()
    if found is None:
        not_found()
    row, allowed_now = found
    if allowed_now is not None and not allowed_now:  # NULL: as the engine reads it, no refusal
        fail(403, "Forbidden", "You may not delete this.", code="forbidden")
    return row


def etag(row: Any) -> str:
    """A strong ETag: a digest of the row's column values (any change to the row changes it)."""
    state = inspect(row)
    values = {attr.key: getattr(row, attr.key) for attr in state.mapper.column_attrs}
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_if_match(row: Any) -> None:
    """``412`` when ``If-Match`` names another version of the row, ``428`` when it is absent
    and ``TOMBSTONE_API_REQUIRE_IF_MATCH`` is on, ``400`` when it is no list of entity tags."""
    header = request.headers.get("If-Match")
    if header is None:
        if current_app.config["TOMBSTONE_API_REQUIRE_IF_MATCH"]:
            raise ApiProblem(
                428,
                "Precondition Required",
                "Send If-Match with the ETag of the row's deletion-preview.",
                code="precondition_required",
            )
        return
    if not IF_MATCH.fullmatch(header):
        raise ApiProblem(
            400,
            "Bad Request",
            'If-Match holds "*" or entity tags such as "0123abcd...".',
            code="malformed",
            errors=[{"parameter": "If-Match", "detail": "is not a list of entity tags"}],
        )
    if request.if_match.star_tag:
        return
    if not request.if_match.contains(etag(row)):
        raise ApiProblem(
            412,
            "Precondition Failed",
            "The row changed since you read it: preview it again and retry with its new ETag.",
            code="precondition_failed",
        )
