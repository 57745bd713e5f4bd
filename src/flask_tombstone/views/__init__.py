"""The deletion experience, for any Flask app: a confirmation page with the preview, Undo,
the trash and the operations log, as one blueprint.

::

    tombstone = Tombstone(app, db=db)
    DeletionViews(app, tombstone, models=[Item])

and, in a template, ``{{ tombstone_delete_button(item) }}`` where the app had its own delete
form, and ``{{ tombstone_notices() }}`` where it shows flashed messages (the Undo button).
Everything works without JavaScript; htmx (vendored, ``TOMBSTONE_VIEWS_HTMX``) only
enhances. Who may see and do what is :class:`~.access.Access`'s to say.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

from flask import Blueprint, Flask, g, url_for
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader
from markupsafe import Markup

from flask_tombstone.access import Access
from flask_tombstone.core.errors import ConfigurationError
from flask_tombstone.held import shortened
from flask_tombstone.urls import (
    OperationId,
    default_slug,
    refuse_composite_key,
    registrations,
)

from .bulk import FilterParser, InvalidFilter
from .csrf import csrf_token
from .i18n import _

RowUrl = Callable[[type, Any], "str | None"]
"""``row_url(model, key)``: where the app shows a row, or ``None``."""
ActorNames = Callable[[list[str]], Mapping[str, str]]
"""``actor_names(recorded) -> {recorded: name}``: the names of operations' actors."""
ActorsNamed = Callable[[str], Iterable[str]]
"""``actors_named(name) -> recorded ids``: the actors a name typed in the "by" filter means."""

VIEWS_DEFAULTS: dict[str, Any] = {
    "TOMBSTONE_VIEWS_BASE_TEMPLATE": "tombstone/layout.html",  # the app's layout to extend
    "TOMBSTONE_VIEWS_HOME": "/",  # where to go when no safe ?next= is given
    "TOMBSTONE_VIEWS_PAGE_SIZE": 50,  # operations per page of the trash and the log
    "TOMBSTONE_VIEWS_HTMX": True,  # load the vendored htmx on the views' pages
    "TOMBSTONE_VIEWS_BULK_CAP": 1000,  # the most rows one bulk delete from the views takes
}


class DeletionViews:
    """Register the deletion views on an app.

    :param tombstone: the app's :class:`~flask_tombstone.Tombstone`.
    :param models: the models that get a confirmation page: a list (their URL segment is the
        table name) or a mapping ``{"items": Item}``.
    :param access: the authorization hooks (default :class:`Access`: everyone may delete and
        restore, nobody may purge). Its ``deletable`` hook becomes the engine's permission
        when the engine has none, so the API and the CLI apply it too.
    :param url_prefix: where the blueprint is mounted.
    :param row_url: ``row_url(model, key) -> str | None``: the app's page of a row, so that
        a restore refused because a live row took a unique value links to that row.
    :param actor_names: ``actor_names(recorded) -> {recorded: name}``: how the trash and the
        log name the actors of operations (the log records an id, such as ``user:3``; one
        call per page). Missing ones show as recorded.
    :param actors_named: ``actors_named(name) -> [recorded, ...]``: what the trash's and the
        log's "by" filter finds for a name typed in it (the names ``actor_names`` shows), as
        well as the recorded id itself.
    """

    def __init__(
        self,
        app: Flask | None = None,
        tombstone: Any = None,
        *,
        models: Iterable[type] | Mapping[str, type] = (),
        access: Access | None = None,
        url_prefix: str = "",
        row_url: RowUrl | None = None,
        actor_names: ActorNames | None = None,
        actors_named: ActorsNamed | None = None,
    ) -> None:
        if tombstone is None:
            raise TypeError("DeletionViews(app, tombstone, ...) needs the app's Tombstone")
        self.tombstone = tombstone
        self.access = access or Access()
        self.url_prefix = url_prefix
        self.row_url = row_url
        self.actor_names = actor_names
        self.actors_named = actors_named
        self.models: dict[str, type] = {}
        self.slugs: dict[type, str] = {}
        self.filters: dict[type, FilterParser] = {}
        for slug, model in registrations(models):
            self.register(model, slug=slug)
        self.access.govern(tombstone)
        if app is not None:
            self.init_app(app)

    def register(
        self, model: type, *, slug: str | None = None, filter: FilterParser | None = None
    ) -> None:
        """Give ``model`` a confirmation page at ``/<slug>/<id>/delete`` and bulk delete of a
        selection at ``/<slug>/bulk-delete?ids=..``; with ``filter`` (the app's listing
        filter, see :data:`~.bulk.FilterParser`) also of all rows matching it (``all=1``)."""
        slug = slug or default_slug(model)
        if slug in self.models and self.models[slug] is not model:
            raise ConfigurationError(f"two models registered at /{slug}/", model=model.__name__)
        refuse_composite_key(model, "the views")
        self.models[slug] = model
        self.slugs[model] = slug
        if filter is not None:
            self.filters[model] = filter

    def init_app(self, app: Flask) -> None:
        if "tombstone" not in app.extensions:
            raise RuntimeError("DeletionViews needs Tombstone(app, db=db) (or init_app) first")
        for key, value in VIEWS_DEFAULTS.items():
            app.config.setdefault(key, value)
        app.url_map.converters.setdefault("tombstone_id", OperationId)
        app.extensions["tombstone_views"] = self
        app.register_blueprint(self._blueprint(), url_prefix=self.url_prefix or None)
        app.jinja_env.globals.update(
            tombstone_delete_button=self.delete_button,
            tombstone_bulk_url=self.bulk_url,
            tombstone_notices=notices,
            tombstone_assets=assets,
            tombstone_csrf_token=csrf_token,
            tombstone_t=_,
        )

    def _blueprint(self) -> Blueprint:
        from . import pages

        blueprint = TemplatesBlueprint(
            "tombstone",
            __name__,
            template_folder="templates",
            static_folder="static",
            static_url_path="/tombstone-static",
        )
        pages.route(blueprint)
        return blueprint

    # -- for the app's templates -------------------------------------------------------------
    def slug_of(self, model: type) -> str:
        """Where ``model``'s rows have their pages: its own registration, else that of the
        nearest class it inherits from (a ``Manager`` row of a registered ``Employee``).

        :raises LookupError: neither is registered."""
        for cls in model.__mro__:
            slug = self.slugs.get(cls)
            if slug is not None:
                return slug
        raise LookupError(f"{model.__name__} has no deletion page: register it")

    def delete_url(self, row: Any, next: str | None = None) -> str:
        slug = self.slug_of(type(row))
        key = self.tombstone.graph.governing(type(row)).pk_key
        return url_for("tombstone.confirm", slug=slug, key=getattr(row, key), next=next)

    def bulk_url(self, model: type, next: str | None = None, **filters: Any) -> str:
        """The bulk confirmation page of ``model``: a form of checkboxes named ``ids`` posts
        (GET) to it, or, with ``all=1`` and the listing's filter arguments, every match."""
        return url_for("tombstone.bulk", slug=self.slug_of(model), next=next, **filters)

    def delete_button(self, row: Any, label: str | None = None, next: str | None = None) -> Markup:
        """A link styled as a button to the row's confirmation page, named for screen readers
        after the row ("Delete Write spec")."""
        from flask import render_template

        return Markup(
            render_template(
                "tombstone/_delete_button.html",
                url=self.delete_url(row, next=next),
                row=row,
                name=label or row_label(self.tombstone, row),
            )
        )


DEFAULTS_PREFIX = "tombstone-default"


class TemplatesBlueprint(Blueprint):
    """The views' blueprint, whose templates are also reachable as
    ``tombstone-default/<name>``, so that an app's ``templates/tombstone/confirm.html`` can
    ``{% extends "tombstone-default/confirm.html" %}`` and replace one block (the way
    Flask-Admin and Flask-Security templates are restyled), not copy the whole page."""

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        folder = os.path.join(self.root_path, "templates")
        own = FileSystemLoader(folder)
        defaults = FileSystemLoader(os.path.join(folder, "tombstone"))
        return ChoiceLoader([own, PrefixLoader({DEFAULTS_PREFIX: defaults})])


def row_label(tombstone: Any, row: Any) -> str:
    """How the views name a row: its label column (name, title, ...), read through its mapped
    attribute (``product_name = mapped_column("name")``), else "Item 3"; shortened
    to 200 characters (``held.shortened``)."""
    node = tombstone.graph.governing(type(row))
    column = node.label_column
    value = getattr(row, node.attribute_of(column), None) if column is not node.pk else None
    if value in (None, ""):
        return f"{type(row).__name__} {getattr(row, node.pk_key)}"
    return shortened(str(value))


def notices() -> Markup:
    """Flashed messages, the Undo form included; put it where the layout shows messages. The
    first call of a page also brings the confirmation dialog and the views' scripts."""
    from flask import render_template

    first = not g.get("_tombstone_dialog")
    g._tombstone_dialog = True
    return Markup(render_template("tombstone/_notices.html", with_dialog=first))


def assets() -> Markup:
    """The views' styles and scripts (htmx, unless ``TOMBSTONE_VIEWS_HTMX`` is off, and the
    dialog's glue), once per page whoever asks first: the views' layout or :func:`notices`."""
    from flask import render_template

    if g.get("_tombstone_assets"):
        return Markup("")
    g._tombstone_assets = True
    return Markup(render_template("tombstone/_assets.html"))


__all__ = [
    "Access",
    "DeletionViews",
    "FilterParser",
    "InvalidFilter",
    "notices",
    "row_label",
]
