"""The application: configuration, headers, errors, static files, entry points."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from taskboard_support import World, text_of

from taskboard import config
from taskboard.security import CONTENT_SECURITY_POLICY, parse_id, safe_next

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "examples" / "taskboard"


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("mariadb://root@h/db", "mysql+pymysql://root@h/db?charset=utf8mb4"),
        ("mysql://root@h/db?x=1", "mysql+pymysql://root@h/db?x=1&charset=utf8mb4"),
        ("mysql+pymysql://h/db?charset=latin1", "mysql+pymysql://h/db?charset=latin1"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_get_the_shipped_drivers(given: str, expected: str) -> None:
    assert config.database_url(given) == expected


@pytest.mark.parametrize(
    "target,safe",
    [
        ("/items", True),
        ("/items?status=done#x", True),
        ("", False),
        (None, False),
        ("items", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("/\t/evil.example", False),
        ("/" + "a" * 3000, False),
    ],
)
def test_safe_next(target: str | None, safe: bool) -> None:
    assert safe_next(target) == (target if safe else None)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1", 1),
        (" 42 ", None),  # one spelling per id (issue 10, item 3)
        ("042", None),
        ("\uff14\uff12", None),  # full-width digits
        ("\u00b2", None),  # isdigit() says yes, int() no
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("0", None),
        ("-1", None),
        ("1e3", None),
        ("abc", None),
        ("", None),
        ("99999999999", None),
    ],
)
def test_parse_id(value: str, expected: int | None) -> None:
    assert parse_id(value) == expected


def test_the_instance_secret_is_made_once(tmp_path: Path) -> None:
    first = config.instance_secret(tmp_path / "instance")
    assert len(first) == 64
    assert config.instance_secret(tmp_path / "instance") == first
    mode = (tmp_path / "instance" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]


def test_security_headers_everywhere(app: Flask, client: Any, world: World) -> None:
    for url in ("/login", "/projects", "/nowhere", "/static/css/app.css"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()  # static files are streamed from an open file
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY


def test_no_inline_scripts_and_no_cdn() -> None:
    for template in (PACKAGE / "templates").rglob("*.html"):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), template
        assert not re.search(r"\bon[a-z]+=", html), template  # no inline event handlers
        assert "http://" not in html and "https://" not in html, template


def test_htmx_is_vendored_and_pinned(client: Any) -> None:
    vendored = PACKAGE / "static" / "vendor" / "htmx-2.0.4.min.js"
    assert vendored.read_text().startswith("var htmx=function()")
    response = client.get("/static/vendor/htmx-2.0.4.min.js")
    assert response.status_code == 200
    assert response.data == vendored.read_bytes()
    response.close()
    page = client.get("/login")
    assert 'src="/static/vendor/htmx-2.0.4.min.js"' in page.text
    assert '"allowEval": false' in page.text
    assert 'hx-headers=\'{"X-CSRFToken": "' in page.text


def test_error_pages(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    missing = mia.get("/nowhere")
    assert missing.status_code == 404
    assert "<html" in missing.text and "There is nothing here" in text_of(missing)
    fragment = mia.get("/items/999999", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.text
    assert fragment.headers["HX-Retarget"] == "#toasts"
    wrong_method = mia.client.put("/projects")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]


def test_a_server_error_shows_no_details(make_app: Any) -> None:
    app: Flask = make_app()
    app.testing = False  # as in production: the handler answers, not the exception

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Nothing was changed" in response.text


def test_the_index_sends_you_somewhere(client: Any, browser: Any, world: World) -> None:
    assert client.get("/").headers["Location"] == "/login"
    assert browser("mia").get("/").headers["Location"] == "/projects"


def test_the_wsgi_entry_point(tmp_path: Path) -> None:
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.sqlite'}",
        "SECRET_KEY": "from-the-environment",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    script = (
        "from taskboard.wsgi import app;"
        "print(app.config['SQLALCHEMY_DATABASE_URI']);"
        "print(app.config['SECRET_KEY']);"
        "print(app.config['SESSION_COOKIE_SECURE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.split() == [
        f"sqlite:///{tmp_path / 'wsgi.sqlite'}",
        "from-the-environment",
        "True",
    ]


def test_a_race_on_a_unique_value_is_a_conflict_not_a_crash(make_app: Any, world: World) -> None:
    from sqlalchemy.exc import IntegrityError

    app: Flask = make_app()
    app.testing = False

    @app.get("/race")
    def race() -> str:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key value"))

    response = app.test_client().get("/race")
    assert response.status_code == 409
    assert "duplicate key" not in response.text
    assert "Saved by someone else first" in response.text


def test_json_clients_get_problem_details(browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.get("/items/999999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert response.json["title"] == "Not Found"
    # The deletion pages are the extension's HTML pages whatever the client accepts (JSON
    # clients delete through the API, /api/...); a refusal still says why, with its status.
    refused = mia.post(
        f"/items/{world.alpha_item}/delete",
        {"token": "stale"},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 409
    assert "What this would delete changed since you looked" in refused.text


def test_configuration_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from taskboard import create_app

    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("TASKBOARD_PER_PAGE", "7")
    monkeypatch.setenv("TASKBOARD_SECURE_COOKIES", "false")
    monkeypatch.setenv("TASKBOARD_LOGIN_LIMIT", "5 per hour")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["TASKBOARD_PER_PAGE"] == 7
    assert app.config["TASKBOARD_SECURE_COOKIES"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["TASKBOARD_LOGIN_LIMIT"] == "5 per hour"
