"""Flask-SQLAlchemy's flaskr example (examples/flaskr in pallets-eco/flask-sqlalchemy): an app
factory, blueprints, and models imported by the blueprints AFTER ``db.init_app(app)`` and
``tombstone.init_app(app)``. Changes: ``Tombstone(db=db)`` + ``tombstone.init_app(app)``,
``SoftDeleteMixin`` on the models, string lengths (MariaDB needs them: ``String(255)``) and
inline templates instead of template files.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from flask_tombstone import Tombstone


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
tombstone = Tombstone(db=db)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev", SQLALCHEMY_DATABASE_URI="sqlite:///flaskr.sqlite")
    if test_config is not None:
        app.config.update(test_config)

    # initialize Flask-SQLAlchemy and Flask-Tombstone
    db.init_app(app)
    tombstone.init_app(app)

    # apply the blueprints to the app (this imports the models)
    from . import auth, blog

    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)

    # make "index" point at "/", which is handled by "blog.index"
    app.add_url_rule("/", endpoint="index")

    return app
