"""``flask --app taskboard run-demo``: migrate, load demo data if empty, serve locally."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from flask_tombstone.core import FileAnchor
from flask_tombstone.core.audit import chain_length

from . import demo
from .extensions import db, tombstone


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
        _fresh_anchor()
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


def _fresh_anchor() -> None:
    """An empty database starts a new audit chain. A file anchor an earlier database left (the
    demo database deleted and made again) is moved aside: it would report the old chain's
    records as removed from the new one."""
    anchor = tombstone.current_audit_settings().anchor
    if not isinstance(anchor, FileAnchor) or chain_length(db.session()) or anchor.read() is None:
        return
    aside = anchor.path.with_name(f"{anchor.path.name}.{int(time.time())}")
    anchor.path.rename(aside)
    click.echo(f"New database: the audit anchor of an earlier one was moved to {aside}")
