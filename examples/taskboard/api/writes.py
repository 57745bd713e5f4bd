"""Creating and changing rows over the API, for every resource: the services do the work, the
HTML forms' rules check the values, and this module commits once and answers.

A write that breaks a unique rule (two people saving the same tag name at the same moment) is
the database's to referee: ``409``, nothing saved, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from marshmallow import Schema
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from taskboard.access import rows
from taskboard.extensions import db
from taskboard.models import Item, Project
from taskboard.typed import FlaskForm

from .auth import caller
from .deleting import etag_of
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


def etag(row: Any, schema: Schema) -> str:
    """The ``ETag`` header of ``row`` as ``schema`` represents it."""
    return f'"{etag_of(schema.dump(row))}"'


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
