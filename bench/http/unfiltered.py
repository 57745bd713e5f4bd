"""Taskboard's production app with the soft-delete filtering switched off: the engine's
session listeners detached, so no query gets the ``deleted_at IS NULL`` criterion. The LIST
comparison's other side — the same code, configuration and entry point otherwise.

Served by gunicorn as ``bench.http.unfiltered:app``. Its DELETE would hard-delete (the
listeners also route ``session.delete``): the benchmark only reads through it.
"""

from __future__ import annotations

from taskboard.extensions import db, tombstone
from taskboard.wsgi import app

tombstone.listeners.detach(db.session)

__all__ = ["app"]
