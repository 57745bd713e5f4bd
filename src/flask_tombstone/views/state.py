"""What every view needs: the registered views, the session, a safe place to go back to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import abort, current_app

if TYPE_CHECKING:
    from . import DeletionViews


def views() -> DeletionViews:
    state: DeletionViews = current_app.extensions["tombstone_views"]
    return state


def db_session() -> Any:
    return views().tombstone.db.session


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path on this site (``/items?page=2``), never another host
    (``//evil``, ``https://evil``, ``/\\evil``) or a script URL."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def state_actor() -> Any:
    """The current actor; anonymous visitors are sent to log in when the app requires it."""
    access = views().access
    actor = access.actor()
    if actor is None and access.login_required():
        manager = getattr(current_app, "login_manager", None)
        if manager is not None:
            abort(manager.unauthorized())
        abort(401)
    return actor


def registered_model(slug: str) -> type:
    """The model given a page at ``/<slug>/``; any other slug is 404."""
    model = views().models.get(slug)
    if model is None:
        abort(404)
    return model
