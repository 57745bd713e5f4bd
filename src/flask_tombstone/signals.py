"""Signals sent when the views or the API delete, restore or purge (blinker, as Flask's own).

Each is sent **inside the transaction, before the commit**: what a receiver writes commits
with the operation, and a receiver that raises rolls the whole request back. The sender is
the app; the keyword arguments are the operation and who asked::

    from flask_tombstone import signals

    @signals.deleted.connect_via(app)
    def index_operation(app, operation, target, actor, **extra):
        ...  # e.g. index operation.id under operation.context["project_ids"]

``deleted``: ``operation`` (the deletion), ``target`` (the row or the ``select()`` of a bulk
deletion), ``actor``. ``restored``: ``operation`` (the restore), ``deletion``, ``actor``.
``purged``: ``report`` (:class:`~flask_tombstone.PurgeReport`), ``deletion``, ``actor``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

deleted = _signals.signal("tombstone-deleted")
restored = _signals.signal("tombstone-restored")
purged = _signals.signal("tombstone-purged")

__all__ = ["deleted", "purged", "restored"]
