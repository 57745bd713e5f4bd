"""Configuration: defaults, then the instance folder's ``config.py``, then the environment.

Every key the app reads is listed in :data:`DEFAULTS` and documented in ``docs/taskboard.md``.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    # Rows per page in every list.
    "TASKBOARD_PER_PAGE": 20,
    # The most rows one "all N matching this filter" bulk delete may take.
    "TASKBOARD_BULK_CAP": 5000,
    # Flask-Limiter limits: login/register attempts per client, destructive POSTs per user.
    "TASKBOARD_LOGIN_LIMIT": "10 per minute",
    # Failed password attempts against one account, from any address (login, and the current
    # password when changing it). A window: the lock lifts when it ends.
    "TASKBOARD_LOGIN_ACCOUNT_LIMIT": "10 per 15 minutes",
    "TASKBOARD_DESTRUCTIVE_LIMIT": "60 per minute",
    # JSON API limits per token holder: GET requests, other requests, and deleted rows (a
    # DELETE is one row, a bulk delete one per row it deletes; keep it above TASKBOARD_BULK_CAP).
    "TASKBOARD_API_READ_LIMIT": "300 per minute",
    "TASKBOARD_API_WRITE_LIMIT": "60 per minute",
    "TASKBOARD_API_DELETE_ROWS_LIMIT": "10000 per hour",
    # Where the API keeps Idempotency-Key answers: empty for the database, or redis://...
    "TASKBOARD_IDEMPOTENCY_STORE_URI": "",
    # How long an answer is replayed (a duration: 30m, 24h, 7d), how long a claim whose request
    # never finished (a crashed worker) blocks its key, and the Redis key prefix.
    "TASKBOARD_IDEMPOTENCY_TTL": "24h",
    "TASKBOARD_IDEMPOTENCY_RUNNING_TIMEOUT": "5m",
    "TASKBOARD_IDEMPOTENCY_KEY_PREFIX": "taskboard:idempotency",
    # werkzeug.security method for new password hashes.
    "TASKBOARD_PASSWORD_METHOD": "scrypt",
    # The least zxcvbn score (0-4) a new password needs: 3 is "safely unguessable".
    "TASKBOARD_PASSWORD_MIN_SCORE": 3,
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host: their
    # values are trusted that many hops deep (werkzeug's ProxyFix). 0 trusts none of them.
    "TASKBOARD_PROXY_COUNT": 0,
    # Whether anyone may create an account (the first account becomes an admin).
    "TASKBOARD_ALLOW_REGISTRATION": True,
    # Cookies only over HTTPS (turn off only for plain-HTTP local demos).
    "TASKBOARD_SECURE_COOKIES": True,
    # Flask-Limiter storage: memory by default, e.g. redis://host:6379/0 when several
    # processes serve the app.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "taskboard",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
    # Every operation is sealed into Flask-Tombstone's audit chain shortly after its commit,
    # by a thread of each process, off the request path (docs/audit.md), with the projects it
    # belongs to (operation_project). Its HMAC key and anchor come from TOMBSTONE_AUDIT_KEY /
    # TOMBSTONE_AUDIT_ANCHOR; without them, a key generated into the instance folder and a
    # file anchor beside it (one machine only).
    "TOMBSTONE_AUTO_SEAL": "background",
}

ENVIRONMENT = {
    # environment variable: configuration key
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "TOMBSTONE_AUDIT_KEY": "TOMBSTONE_AUDIT_KEY",
    "TOMBSTONE_AUDIT_ANCHOR": "TOMBSTONE_AUDIT_ANCHOR",
}


def database_url(url: str) -> str:
    """Give a ``DATABASE_URL`` the driver this app ships with (psycopg 3, PyMySQL)."""
    for prefix, replacement in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("mariadb://", "mysql+pymysql://"),
        ("mysql://", "mysql+pymysql://"),
        ("mariadb+pymysql://", "mysql+pymysql://"),
    ):
        if url.startswith(prefix):
            url = replacement + url[len(prefix) :]
            break
    if url.startswith("mysql+pymysql://") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return url


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config``: defaults < instance ``config.py`` < environment < ``test_config``."""
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        f"sqlite:///{Path(app.instance_path) / 'taskboard.sqlite'}"
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()  # FLASK_<KEY>, Flask's own convention
        for variable, key in ENVIRONMENT.items():
            if os.environ.get(variable):
                app.config[key] = os.environ[variable]
        for key in DEFAULTS:
            if key.startswith("TASKBOARD_") and key in os.environ:
                app.config[key] = _parse(os.environ[key])
        _audit_defaults(app)
    else:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))
    secure = bool(app.config["TASKBOARD_SECURE_COOKIES"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        # "Keep me logged in" lasts as long as a login does (taskboard.auth.sessions).
        REMEMBER_COOKIE_DURATION=app.permanent_session_lifetime,
        PREFERRED_URL_SCHEME="https" if secure else "http",
    )


def _audit_defaults(app: Flask) -> None:
    """The audit chain's key and anchor outside the database: in the instance folder unless
    configured (tests configure theirs, or none)."""
    instance = Path(app.instance_path)
    if not app.config.get("TOMBSTONE_AUDIT_KEY"):
        app.config["TOMBSTONE_AUDIT_KEY"] = instance_secret(instance, "audit_key")
    if not app.config.get("TOMBSTONE_AUDIT_ANCHOR"):
        app.config["TOMBSTONE_AUDIT_ANCHOR"] = (instance / "audit-head").absolute().as_uri()


def _parse(value: str) -> Any:
    """An environment value as JSON when it is JSON (``20``, ``false``), else the text."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def instance_secret(instance: Path, name: str = "secret_key") -> str:
    """A secret kept in the instance folder, created once (atomically, so that several
    workers starting together agree on it). Deployments on several machines set SECRET_KEY
    and TOMBSTONE_AUDIT_KEY."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / name
    if not path.exists():
        # Written aside, then linked into place: link() fails if another worker won the race,
        # and nobody ever reads a half-written key.
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=f".{name}.")
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
