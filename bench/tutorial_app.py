"""The tutorials' delete endpoint, the HTTP benchmark's yardstick: Taskboard's models on a
plain Flask-SQLAlchemy session that Flask-Tombstone never touches, and the view every Flask
tutorial writes — load the row, ``session.delete`` it, commit, ``204``. No authentication, no
scoping, no preconditions, no operation row: a hard delete (the database's ``ON DELETE
CASCADE`` takes the comments), which is what the tutorials do.

Served by gunicorn as ``bench.tutorial_app:create_app()``, with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_tombstone import UNGOVERNED
from taskboard.config import database_url
from taskboard.models import Item

# A database object of its own: Taskboard's ``db`` carries the engine's listeners once its
# app is created, and this process never creates that app. Its sessions say they delete for
# good (Flask-Tombstone otherwise refuses a soft row's DELETE in a session it is not in).
db = SQLAlchemy(session_options={"info": {UNGOVERNED: True}})


def create_app(url: str | None = None) -> Flask:
    """The app on ``url`` (default: the ``DATABASE_URL`` environment variable)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url or os.environ["DATABASE_URL"])
    db.init_app(app)

    @app.delete("/api/items/<int:item_id>")
    def delete_item(item_id: int) -> tuple[str, int]:
        item = db.get_or_404(Item, item_id)
        db.session.delete(item)
        db.session.commit()
        return "", 204

    return app
