"""Taskboard's deletion pages are Flask-Tombstone's: the confirmation page (``?hard=1`` for
admins), bulk delete of ticked items or of all items matching the list's filter, the Undo
notice, the trash and the operations log, configured by :mod:`taskboard.access.hooks` and
drawn in Taskboard's layout (``base.html``)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Flask, url_for
from sqlalchemy import ColumnElement, true
from werkzeug.datastructures import MultiDict

from flask_tombstone.views import DeletionViews, InvalidFilter

from .access.current import me
from .access.hooks import ACCESS, actor_names, actors_named, index_operations
from .extensions import destructive_limit, tombstone
from .items import services as items
from .items.forms import ItemFilterForm
from .models import Comment, Item, Project, Tag

MODELS = {"projects": Project, "items": Item, "comments": Comment, "tags": Tag}
#: The extension's POST endpoints, under Taskboard's one budget of destructive requests.
DESTRUCTIVE = ("confirm", "bulk", "undo", "restore", "purge")


def item_filter(args: MultiDict[str, str]) -> ColumnElement[bool]:
    """The items list's filter (``q``, ``project``, ``status``, ``assignee``, ``tag``), for
    "Delete all N matching": a field that does not validate refuses the whole request (the
    list ignores it; a deletion must not take more than was asked)."""
    form = ItemFilterForm(args)
    items.fill_filter_choices(form, me())
    refused = items.invalid_filter_fields(form)
    if refused:
        raise InvalidFilter(refused)
    criterion = items.matching(me(), items.filter_from(form)).whereclause
    return true() if criterion is None else criterion


def row_url(model: type, key: Any) -> str | None:
    """Where a row is shown, for a restore conflict's link to the row that took a name."""
    if model is Item:
        return url_for("items.show", item_id=key)
    if model is Project:
        return url_for("projects.show", project_id=key)
    if model is Tag:
        return url_for("tags.edit", tag_id=key)
    return None


def init_app(app: Flask) -> DeletionViews:
    """Register the deletion pages, index their operations by project, and rate-limit them
    (before :func:`taskboard.extensions.init_limiter` runs)."""
    app.config.setdefault("TOMBSTONE_VIEWS_BASE_TEMPLATE", "base.html")
    app.config.setdefault("TOMBSTONE_VIEWS_HTMX", False)  # base.html brings htmx already
    app.config.setdefault("TOMBSTONE_VIEWS_HOME", "/projects")
    app.config.setdefault("TOMBSTONE_VIEWS_PAGE_SIZE", app.config["TASKBOARD_PER_PAGE"])
    app.config.setdefault("TOMBSTONE_VIEWS_BULK_CAP", app.config["TASKBOARD_BULK_CAP"])
    views = DeletionViews(
        app,
        tombstone,
        models=MODELS,
        access=ACCESS,
        row_url=row_url,
        actor_names=actor_names,
        actors_named=actors_named,
    )
    views.register(Item, slug="items", filter=item_filter)
    app.jinja_env.globals["item_bulk_url"] = lambda **args: views.bulk_url(Item, **args)
    index_operations(app)
    for name in DESTRUCTIVE:
        endpoint = f"tombstone.{name}"
        app.view_functions[endpoint] = destructive_limit(_own(app.view_functions[endpoint]))
    return views


def _own(view: Any) -> Any:
    """This app's copy of a view function, so that marking it marks nothing shared."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return wrapped
