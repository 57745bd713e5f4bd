"""``flask --app taskboard run-demo``: migrate, load demo data if empty, serve locally."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from . import demo
from .extensions import db


@click.command("run-demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop.")
@with_appcontext
def run_demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create or upgrade the database, load demo data if it is empty, and serve the app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"Database: {url}")
    upgrade(directory=str(app.extensions["migrate"].directory))
    if demo.is_empty():
        accounts = demo.load()
        db.session.commit()
        click.echo("Loaded demo data. Log in as:")
        for account in accounts:
            click.echo(f"  {account.username:<8} password {account.password:<18} ({account.role})")
    else:
        click.echo("The database already has data; the demo accounts (if loaded) are:")
        for account in demo.ACCOUNTS:
            click.echo(f"  {account.username:<8} password {account.password}")
    if no_serve:
        return
    # A local demo over plain HTTP: cookies marked Secure would never come back.
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
    # Flask's app.run() refuses to start inside a `flask` command; its server is this one.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
