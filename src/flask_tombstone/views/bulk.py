"""Bulk delete: a selection of rows (``ids``), or all rows matching a filter the app parses.

The confirmation page and the POST build the same ``select()``: the rows the actor may see
among those asked, so a bulk delete never covers more than the listing it started from. A
filter that does not validate, an id that is no key, an empty selection are ``422`` naming
what is wrong (never dropped); more rows than ``TOMBSTONE_VIEWS_BULK_CAP`` are refused before
anything is offered; rows that changed since the preview are ``409`` (the confirm token).

When the selection holds rows the actor may not delete (``Access.deletable``), the page says
how many and offers to delete only the others: a link to this page with just their ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, Select, func, select
from werkzeug.datastructures import MultiDict

from flask_tombstone.access import where_all
from flask_tombstone.core.errors import InvalidTarget
from flask_tombstone.core.keys import key_values
from flask_tombstone.core.sql import dialect_name

from . import describe
from .confirming import Gone, Refusal, announce, delete_confirmed, go, next_url
from .csrf import check_csrf
from .i18n import _
from .state import db_session, registered_model, state_actor, views

FilterParser = Callable[[MultiDict[str, str]], ColumnElement[bool]]
"""``parse(args) -> criterion``: the app's listing filter, read from the query string or the
form; raises :class:`InvalidFilter` naming each field that does not validate."""


class InvalidFilter(ValueError):
    """A listing filter that does not validate: ``problems`` say which field and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


FILTER_SKIP = ("ids", "all", "csrf_token", "token", "reason", "next")


def bulk(slug: str) -> ResponseReturnValue:
    """GET: what deleting the selection would do. POST: delete exactly that."""
    actor = state_actor()
    model = registered_model(slug)
    values = request.values
    try:
        statement, hidden = _selection(model, actor, values)
    except InvalidFilter as invalid:
        return _page(model, None, 0, hidden=[], problems=invalid.problems, status=422)
    session = db_session()
    count = int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
    cap = int(current_app.config["TOMBSTONE_VIEWS_BULK_CAP"])
    if count == 0:
        problem = _(
            "None of these %(what)s is here any more.", what=describe.noun(model.__name__, 2)
        )
        return _page(model, None, 0, hidden=hidden, problems=[problem], status=404)
    if count > cap:
        problem = _(
            "%(n)s %(what)s match; one deletion takes at most %(cap)s. Narrow the filter.",
            n=describe.number(count),
            what=describe.noun(model.__name__, count),
            cap=describe.number(cap),
        )
        return _page(model, None, count, hidden=hidden, problems=[problem], status=422)
    asked = sum(1 for name, _value in hidden if name == "ids")
    notes = []
    if asked > count:
        notes.append(
            _(
                "%(missing)s of the %(asked)s selected %(what)s is not here any more (deleted, "
                "or not yours to see): the others are.",
                missing=describe.number(asked - count),
                asked=describe.number(asked),
                what=describe.noun(model.__name__, asked),
            )
        )
    if request.method == "GET":
        return _page(model, statement, count, hidden=hidden, actor=actor, notes=notes)
    check_csrf()
    try:
        op = delete_confirmed(statement, actor)
    except Refusal as refused:
        return _page(
            model,
            statement,
            count,
            hidden=hidden,
            actor=actor,
            problems=refused.problems,
            status=refused.status,
        )
    except Gone:
        flash(_("Someone deleted these before you did."), "warning")
        return go(next_url())
    return announce(
        op, _("Deleted %(what)s.", what=describe.counted(op.counts, first=op.root_model))
    )


def _selection(
    model: type, actor: Any, values: MultiDict[str, str]
) -> tuple[Select[Any], list[tuple[str, str]]]:
    """The rows asked for, among those the actor may see, and the fields the POST repeats."""
    state = views()
    node = state.tombstone.graph.governing(model)
    pk = getattr(model, node.pk_key)
    seen = where_all(state.access.visible(actor, model))
    if values.get("all") == "1":
        parse = state.filters.get(model)
        if parse is None:
            raise InvalidFilter([_("These cannot be deleted by filter.")])
        args: MultiDict[str, str] = MultiDict(
            [(k, v) for k, v in values.items(multi=True) if k not in FILTER_SKIP]
        )
        criterion = parse(args)
        hidden = [("all", "1"), *args.items(multi=True)]
        return select(model).where(criterion, *seen), hidden
    asked = values.getlist("ids")
    if not asked:
        raise InvalidFilter(
            [_("Select at least one %(what)s.", what=describe.noun(model.__name__))]
        )
    try:
        keys = key_values(node.pk, asked, dialect=dialect_name(db_session()), from_text=True)
    except InvalidTarget:
        raise InvalidFilter(
            [
                _(
                    "The selection holds an id that is no %(what)s.",
                    what=describe.noun(model.__name__),
                )
            ]
        ) from None
    hidden = [("ids", str(key)) for key in keys]
    return select(model).where(pk.in_(keys), *seen), hidden


def _page(
    model: type,
    statement: Select[Any] | None,
    count: int,
    *,
    hidden: list[tuple[str, str]],
    actor: Any = None,
    problems: list[str] | None = None,
    notes: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    state = views()
    preview = None if statement is None else state.tombstone.preview(statement, actor=actor)
    name = model.__name__
    context = {
        "model": name,
        "count": count,
        "preview": preview,
        "hidden": hidden,
        "others": {}
        if preview is None
        else {k: v for k, v in preview.counts.items() if k != name and v},
        "blockers": [] if preview is None else [describe.blocker(b) for b in preview.blockers],
        "hidden_blockers": 0 if preview is None else preview.blocker_count - len(preview.blockers),
        "problems": problems or [],
        "notes": notes or [],
        "next_url": next_url(),
        "describe": describe,
        "soft": state.tombstone.graph.governing(model).soft,
        "partial": None if statement is None else _partial(model, statement, actor, count),
    }
    return render_template("tombstone/bulk.html", **context), status


def _partial(model: type, statement: Select[Any], actor: Any, count: int) -> dict[str, Any] | None:
    """When the actor may delete only some of the selected rows: how many they may not, and a
    link to the bulk page with just the ids of those they may (``None`` when they may delete
    all of them, or when the app has no ``deletable`` rule)."""
    state = views()
    criterion = state.access.deletable(actor, model)
    if criterion is None:
        return None
    node = state.tombstone.graph.governing(model)
    pk = getattr(model, node.pk_key)
    allowed = list(db_session().scalars(statement.with_only_columns(pk).where(criterion)))
    refused = count - len(allowed)
    if refused <= 0:
        return None
    what = describe.noun(model.__name__, count)
    if not allowed and count == 1:
        message = _("You do not have permission to delete this %(what)s.", what=what)
    elif not allowed:
        message = _("You do not have permission to delete any of these %(what)s.", what=what)
    else:
        message = _(
            "You do not have permission to delete %(refused)s of these %(n)s %(what)s "
            "(named below); you may delete the other %(allowed)s.",
            refused=describe.number(refused),
            n=describe.number(count),
            what=what,
            allowed=describe.number(len(allowed)),
        )
    url = None
    if allowed:
        endpoint = request.endpoint or "tombstone.bulk"
        url = url_for(
            endpoint,
            **(request.view_args or {}),
            ids=[str(key) for key in sorted(allowed)],
            next=next_url(),
        )
    return {
        "message": message,
        "url": url,
        "label": _(
            "Delete only the %(n)s %(what)s you may",
            n=describe.number(len(allowed)),
            what=describe.noun(model.__name__, len(allowed)),
        ),
    }
