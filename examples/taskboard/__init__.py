"""Taskboard: a small team's work tracker, and the showcase of Flask-Tombstone.

``flask --app taskboard run-demo`` creates the database, loads demo data and serves it;
``taskboard.wsgi:app`` is the production entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.wrappers import Response

from . import api, config, deletion_views, errors, proxies, security, ui
from .extensions import csrf, db, init_limiter, login_manager, migrate, tombstone

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure a Taskboard application.

    :param test_config: configuration that replaces the instance ``config.py`` and the
        environment (tests pass the database URL and relaxed limits here).
    """
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    proxies.init_app(app)

    db.init_app(app)
    tombstone.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    _init_login(app)
    with app.app_context():
        _sqlite_foreign_keys(db.engine)

    security.init_app(app)
    errors.init_app(app)
    ui.init_app(app)
    _register_blueprints(app)
    api.init_app(app)
    deletion_views.init_app(app)
    init_limiter(app)

    from .cli import run_demo_command

    app.cli.add_command(run_demo_command)

    @app.get("/")
    def index() -> Response:
        if current_user.is_authenticated:
            return redirect(url_for("projects.index"))
        return redirect(url_for("auth.login"))

    return app


def _init_login(app: Flask) -> None:
    from .auth.services import load_user

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    # The session and the remember cookie hold the login's key, not the user's id, so that
    # ending the login ends them (taskboard.auth.sessions).
    login_manager.id_attribute = "login_key"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from .auth.views import bp as auth
    from .comments.views import bp as comments
    from .items.views import bp as items
    from .projects.views import bp as projects
    from .settings.views import bp as settings
    from .tags.views import bp as tags

    for blueprint in (auth, projects, items, comments, tags, settings):
        app.register_blueprint(blueprint)


def _sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite enforces foreign keys only when asked, per connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def enable(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
