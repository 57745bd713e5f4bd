"""Creating and changing rows over the API, for every resource: the services do the work, the
HTML forms' rules check the values, and this module commits once and answers.

A write that breaks a unique rule (two people saving the same tag name at the same moment) is
the database's to referee: ``409``, nothing saved, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from flask import current_app, request
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from flask_tombstone.api import etag as row_etag
from taskboard.access import rows
from taskboard.extensions import db
from taskboard.models import Item, Project
from taskboard.typed import FlaskForm

from .auth import caller
from .problems import abort_problem

M = TypeVar("M", Project, Item)
R = TypeVar("R")
F = TypeVar("F", bound=FlaskForm)


def invalid(errors: Mapping[str, list[str]]) -> NoReturn:
    """``422``, with what is wrong per field of the body."""
    abort_problem(
        422,
        "Unprocessable Content",
        "Some of what was sent is not valid.",
        errors={"json": dict(errors)},
    )


def conflict(field: str, message: str) -> NoReturn:
    """``409``: the value is fine, but the current state of things forbids it (a taken name)."""
    abort_problem(409, "Conflict", message, code="taken", errors={"json": {field: [message]}})


def validated(form_class: type[F], values: Mapping[str, Any]) -> F:
    """``values`` run through the HTML form ``form_class``, as if posted from the page: its
    filters (trimming, lower case) and validators (lengths, patterns), never retyped here."""
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    if not form.validate():
        invalid(form.errors)
    return form


def parent(model: type[M], data: Mapping[str, Any], field: str) -> M:
    """The row ``data[field]`` names (the project of a new tag...), if the caller sees it.

    One they cannot see is invalid input, not a resource of this URL: ``422``, as if it did
    not exist (no leak).
    """
    row = rows.find(model, data[field], caller())
    if row is None:
        invalid({field: [f"No such {model.__name__.lower()}."]})
    return row


def checked(form_class: type[FlaskForm], field: str, value: Any) -> Any:
    """One field's value as the HTML form takes it (trimmed, lowered...), or ``422``; the
    form's other fields are not looked at (an item's name is checked without its assignee's
    choices)."""
    form = form_class(formdata=MultiDict({field: value}), meta={"csrf": False})
    inline = getattr(form, f"validate_{field}", None)
    if not form[field].validate(form, [inline] if inline else []):
        invalid({field: form[field].errors})
    return form[field].data


#: What ``If-Match`` may hold (RFC 9110): ``*``, or entity tags separated by commas. This API's
#: are strong, 32 hex digits between quotes (:func:`etag`); a well-formed tag that is not the
#: row's current one is ``412``, a value that is not a list of tags ``400``.
ENTITY_TAG = r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"'
IF_MATCH_PATTERN = rf"^(\*|{ENTITY_TAG}([ \t]*,[ \t]*{ENTITY_TAG})*)$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def etag(row: Any) -> str:
    """The ``ETag`` header of ``row``: the deletion API's version of it (a digest of its
    column values), so that the ETag of a ``GET`` is the ``If-Match`` of a ``DELETE``."""
    return f'"{row_etag(row)}"'


def check_if_match(row: Any) -> None:
    """412 when ``If-Match`` names another version of ``row``; 428 when it is required and
    absent; 400 when it is no list of entity tags. The row's ETag is computed only when
    ``If-Match`` was sent."""
    if "If-Match" not in request.headers:
        if current_app.config["TASKBOARD_API_REQUIRE_IF_MATCH"]:
            abort_problem(
                428, "Precondition Required", "Send If-Match with the ETag from your last GET."
            )
        return
    if not _IF_MATCH.match(request.headers["If-Match"]):
        abort_problem(
            400,
            "Bad Request",
            'If-Match holds "*" or entity tags such as this API\'s ETags ("0123...").',
            errors={"headers": {"If-Match": ["Not a list of entity tags."]}},
        )
    if request.if_match.star_tag:
        return
    if not request.if_match.contains(row_etag(row)):
        abort_problem(
            412,
            "Precondition Failed",
            "This changed since you read it: GET it again, then retry with its new ETag.",
        )


def commit(work: Callable[[], R]) -> R:
    """``work()`` (a service call, which flushes), then one commit; a unique clash is 409."""
    try:
        result = work()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort_problem(
            409,
            "Conflict",
            "A conflicting change was saved at the same moment. Nothing was changed; "
            "read it again and retry.",
            code="conflict",
        )
    return result
