"""``flask --app taskboard run-demo``: migrate, load the demo data once, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from taskboard.extensions import db
from taskboard.models import Comment, Item, Project, Tag, User


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: int(db.session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (User, Project, Item, Comment, Tag)
        }


def test_demo_data_is_loaded_once(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["run-demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Loaded demo data. Log in as:" in result.output
    assert "alice    password alice-loves-kanban" in result.output
    loaded = counts(app)
    assert loaded == {"User": 3, "Project": 3, "Item": 11, "Comment": 9, "Tag": 7}

    again = runner.invoke(args=["run-demo", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "already has data" in again.output
    assert counts(app) == loaded


def test_the_demo_accounts_work(app: Flask, runner: Any) -> None:
    assert runner.invoke(args=["run-demo", "--no-serve"]).exit_code == 0
    from taskboard_support import Browser

    from taskboard import demo

    for account in demo.ACCOUNTS:
        person = Browser(app)
        person.login(account.username, account.password)
        assert person.get("/projects").status_code == 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_demo_serves_a_fresh_sqlite_database(tmp_path: Path) -> None:
    """What ``make run`` does, on a database that does not exist yet."""
    port = free_port()
    database = tmp_path / "fresh" / "demo.sqlite"
    database.parent.mkdir()
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "demo",
        "FLASK_APP": "taskboard",
    }
    flask = Path(sys.executable).with_name("flask")
    process = subprocess.Popen(
        [str(flask), "run-demo", "--port", str(port)],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as response:
                    body = response.read().decode()
                    cookies = response.headers.get_all("Set-Cookie") or []
                break
            except OSError:
                time.sleep(0.2)
        assert "Log in" in body
        assert all("Secure" not in c for c in cookies)  # plain HTTP on localhost
        assert database.exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Loaded demo data. Log in as:" in output
    assert f"Serving on http://127.0.0.1:{port}/" in output
