"""The tutorials' delete view behind Taskboard's own request handling: the DELETE
comparison's third side, measured for information (it has no target).

``DELETE /bench/tutorial-items/<id>`` is added to Taskboard's production app the way its API
views are: a flask-smorest blueprint registered through the app's ``Api``, the bearer token
checked before the request (:func:`taskboard.api.auth.authenticate`), the caller's rate
limits charged (:func:`taskboard.api.ratelimit.protect`), exempt from CSRF, the app's error
handlers and security headers, the query arguments ours parses, and ours' scoped loader with
its permission (``load(Item, id, allow=may_delete_item)``, the project joined). Then the view
does what the tutorials' does: ``session.delete(item)``, commit, ``204``.

The engine's ``before_flush`` listener is detached, so that ``session.delete`` is the ORM's
hard delete (``passive_deletes``: one ``DELETE``, and the database's ``ON DELETE CASCADE``
takes the comments). Its visibility listener stays: the scoped load is ours' statement, the
same ``deleted_at IS NULL`` criterion included. Ours over this side is what the engine's
delete costs over the ORM's inside the same app (soft delete of the item and its comments,
the operation row, its project scope row); this side over the bare view, what Taskboard's
request handling costs around the tutorials' view.

Served by gunicorn as ``bench.http.handled:production()``.
"""

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Blueprint
from sqlalchemy import event
from werkzeug.wrappers import Response

from taskboard.access.permissions import may_delete_item
from taskboard.api import ratelimit
from taskboard.api.access import load
from taskboard.api.auth import authenticate
from taskboard.api.items import ITEMS
from taskboard.api.schemas import DeleteArgs
from taskboard.extensions import csrf, db, tombstone
from taskboard.models import Item

PATH = "/bench/tutorial-items/{id}"  # the load generator's path, one id per request

blp = Blueprint(
    "bench_tutorial_items",
    __name__,
    url_prefix="/bench/tutorial-items",
    description="The tutorials' delete view, for the HTTP benchmark",
)
blp.before_request(authenticate)


@blp.route(ITEMS.row_rule, methods=["DELETE"])
@blp.arguments(DeleteArgs, location="query")  # parsed as ours parses them; unused
@blp.response(204)
def delete_item(args: dict[str, Any], item_id: int) -> Response:
    """Hard-delete the item (its comments go by the database's cascade)."""
    item = load(Item, item_id, allow=may_delete_item, options=ITEMS.delete_options)
    db.session.delete(item)
    db.session.commit()
    return Response(status=204)  # as ours answers


def register(app: Flask) -> Flask:
    """Add the view to ``app`` (a Taskboard app) as ``taskboard.api`` adds its own."""
    ratelimit.protect(blp)  # after the authentication: per caller
    app.extensions["taskboard.api"].register_blueprint(blp)
    csrf.exempt(blp)
    return app


def hard_deletes() -> None:
    """``session.delete`` left to the ORM: the engine's flush listener off, in this process
    (its visibility listener stays on)."""
    event.remove(db.session, "before_flush", tombstone.listeners.on_flush)


def production() -> Flask:
    """``taskboard.wsgi:app`` with the view, deleting for real."""
    # Imported here: taskboard.wsgi builds the app from the environment, which only the
    # server's process has (the statement counts register the view on an app of their own).
    from taskboard.wsgi import app

    hard_deletes()
    return register(app)
