"""The tutorials' views behind Taskboard's own request handling: the other side of the
DELETE, PREVIEW and RESTORE comparisons.

They are added to Taskboard's production app the way its API views are: flask-smorest
blueprints registered through the app's ``Api``, the bearer token checked before the request
(:func:`taskboard.api.auth.authenticate`), the caller's rate limits charged
(:func:`taskboard.api.ratelimit.protect`), exempt from CSRF, the app's error handlers and
security headers. Then each view does what a tutorial's does:

- ``DELETE /bench/tutorial-items/<id>``: the query arguments ours parses, ours' scoped loader
  with its permission (``load(Item, id, allow=may_delete_item)``, the project joined), then
  ``session.delete(item)``, commit, ``204``;
- ``GET /bench/tutorial-items/<id>/deletion-preview``: the same loader, then what an
  "are you sure?" page does: the item's live comments counted with one ``SELECT count(*)``,
  ``200`` with ``{"counts": {"Item": 1, "Comment": n}}``;
- ``POST /bench/tutorial-restores/<op_id>``: the deletion loaded as ours loads it (a finished
  ``delete`` operation Taskboard's ``restorable`` criterion lets the caller restore; 404
  otherwise), then the hand-written restore: ``UPDATE item SET deleted_at = NULL,
  deleted_by_op = NULL WHERE deleted_by_op = :op``, the same for comment, commit, ``200``
  with the rows brought back.

The engine's ``before_flush`` listener is detached, so that ``session.delete`` is the ORM's
hard delete (``passive_deletes``: one ``DELETE``, and the database's ``ON DELETE CASCADE``
takes the comments). Its visibility listener stays: the scoped load is ours' statement, the
same ``deleted_at IS NULL`` criterion included. The preview and restore views write through
no flush, so they run the same with the listener on or off. Ours over this side is what the
engine costs over the hand-written code inside the same app (for DELETE: soft delete of the
item and its comments, the operation row, its project scope row); this side over the bare
view, what Taskboard's request handling costs around the tutorials' view.

Served by gunicorn as ``bench.http.handled:production()``.
"""

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from flask_smorest import Blueprint
from sqlalchemy import event, func, select, update
from werkzeug.wrappers import Response

from flask_tombstone import UNGOVERNED
from flask_tombstone.core.records import OperationKind, OperationStatus
from taskboard.access.operations import restorable
from taskboard.access.permissions import may_delete_item
from taskboard.api import ratelimit
from taskboard.api.access import load
from taskboard.api.auth import authenticate, caller
from taskboard.api.items import ITEMS
from taskboard.api.problems import abort_problem
from taskboard.api.schemas import DeleteArgs
from taskboard.extensions import csrf, db, tombstone
from taskboard.models import Comment, Item, Operation

PATH = "/bench/tutorial-items/{id}"  # the load generator's path, one id per request
PREVIEW_PATH = "/bench/tutorial-items/{id}/deletion-preview"
RESTORE_PATH = "/bench/tutorial-restores/{id}"  # one trashed operation per request

blp = Blueprint(
    "bench_tutorial_items",
    __name__,
    url_prefix="/bench/tutorial-items",
    description="The tutorials' delete and preview views, for the HTTP benchmark",
)
blp.before_request(authenticate)
restores = Blueprint(
    "bench_tutorial_restores",
    __name__,
    url_prefix="/bench/tutorial-restores",
    description="The tutorials' restore view, for the HTTP benchmark",
)
restores.before_request(authenticate)
BLUEPRINTS = (blp, restores)


@blp.route(ITEMS.row_rule, methods=["DELETE"])
@blp.arguments(DeleteArgs, location="query")  # parsed as ours parses them; unused
@blp.response(204)
def delete_item(args: dict[str, Any], item_id: int) -> Response:
    """Hard-delete the item (its comments go by the database's cascade)."""
    item = load(Item, item_id, allow=may_delete_item, options=ITEMS.delete_options)
    db.session.info[UNGOVERNED] = True  # the tutorial's delete, for good, said so
    db.session.delete(item)
    db.session.commit()
    return Response(status=204)  # as ours answers


@blp.route(f"{ITEMS.row_rule}/deletion-preview", methods=["GET"])
@blp.response(200)
def preview_item(item_id: int) -> Response:
    """What deleting the item would take: it and its live comments, counted."""
    item = load(Item, item_id, allow=may_delete_item, options=ITEMS.delete_options)
    comment = Comment.__table__.c  # the table: the criterion written out, as a tutorial does
    counted = select(func.count()).where(comment.item_id == item.id, comment.deleted_at.is_(None))
    comments = int(db.session.scalar(counted) or 0)
    return jsonify({"counts": {"Item": 1, "Comment": comments}})


@restores.route("/<id:op_id>", methods=["POST"])
@restores.response(200)
def restore_deletion(op_id: int) -> Response:
    """Bring back what deletion ``op_id`` trashed: both tables' rows it stamped."""
    deletion = db.session.scalar(
        select(Operation.id).where(
            Operation.id == op_id,
            Operation.kind == OperationKind.DELETE,
            Operation.status == OperationStatus.DONE,
            restorable(caller()),
        )
    )
    if deletion is None:
        abort_problem(404, "Not Found", f"No deletion {op_id} you may restore.")
    restored: dict[str, int] = {}
    for model in (Item, Comment):
        table = model.__table__  # the table: the soft-delete criterion attaches to entities
        result = db.session.execute(
            update(table)
            .where(table.c.deleted_by_op == op_id)
            .values(deleted_at=None, deleted_by_op=None)
        )
        restored[model.__name__] = int(result.rowcount)  # type: ignore[attr-defined]
    db.session.commit()
    return jsonify({"id": op_id, "restored": restored})


def register(app: Flask) -> Flask:
    """Add the views to ``app`` (a Taskboard app) as ``taskboard.api`` adds its own."""
    for blueprint in BLUEPRINTS:
        ratelimit.protect(blueprint)  # after the authentication: per caller
        app.extensions["taskboard.api"].register_blueprint(blueprint)
        csrf.exempt(blueprint)
    return app


def hard_deletes() -> None:
    """``session.delete`` left to the ORM: the engine's flush listener off, in this process
    (its visibility listener stays on)."""
    event.remove(db.session, "before_flush", tombstone.listeners.on_flush)


def production() -> Flask:
    """``taskboard.wsgi:app`` with the views, deleting for real."""
    # Imported here: taskboard.wsgi builds the app from the environment, which only the
    # server's process has (the statement counts register the views on an app of their own).
    from taskboard.wsgi import app

    hard_deletes()
    return register(app)
