"""What every view needs: the registered views, the session, a safe place to go back to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app

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
