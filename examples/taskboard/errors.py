"""Error pages: one vocabulary for full pages and htmx fragments; never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, url_for
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from redis import RedisError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from flask_tombstone.problems import problem

from .access.rows import AlreadyDeleted
from .api import ratelimit
from .api.problems import http_problem, is_api_request
from .deletion.errors import Refused
from .deletion.explain import noun
from .extensions import db
from .ui import is_htmx, wants_json

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing here, or it is not yours to see.",
    405: "That action is not available here.",
    409: "That conflicts with the current state of things.",
    410: "It was deleted: it is in the trash, where it can be restored.",
    413: "That request is too large.",
    415: "This page takes a form, not that kind of content.",
    422: "Some of what was sent is not valid.",
    429: "Too many requests: wait a moment and try again.",
    500: "Something went wrong on our side. Nothing was changed.",
    503: "The service is busy. Nothing was changed; try again shortly.",
}
#: A page's title, in words (no status codes or HTTP names on pages: the status is the
#: response's, for clients).
TITLES = {
    400: "That could not be read",
    403: "Not allowed",
    404: "Not found",
    405: "Not available here",
    409: "Not as things are now",
    410: "In the trash",
    413: "Too large",
    415: "Not a form",
    422: "Not valid",
    429: "Slow down",
    500: "Something went wrong",
    503: "Busy for a moment",
}
#: ``Retry-After`` of a 503: a store out of reach (the database, Redis) is usually back soon.
RETRY_AFTER = 5


def render_error(
    status: int, title: str, reasons: list[str], link: tuple[str, str] | None = None
) -> tuple[Any, int, dict[str, str]]:
    """The error as a page, an htmx toast, or (for clients asking for JSON) problem+json;
    ``link``: ``(url, text)`` of where to go from the page (the trash, for a trashed row)."""
    if wants_json():
        return problem(status, title, " ".join(reasons), reasons=reasons), status, {}
    if is_htmx():
        body = render_template("_toast.html", title=title, reasons=reasons, level="error")
        return body, status, {"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"}
    page = render_template("error.html", status=status, title=title, reasons=reasons, link=link)
    return page, status, {}


def in_the_trash() -> tuple[str, str]:
    return url_for("tombstone.trash"), "See the trash"


def unavailable(title: str) -> tuple[Any, int, dict[str, str]]:
    """``503``, nothing done, with ``Retry-After``: as a page, a toast or a problem."""
    body, status, headers = render_error(503, title, [MESSAGES[503]])
    return body, status, headers | {"Retry-After": str(RETRY_AFTER)}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Any, int, dict[str, str]] | Response:
        if error.code is None or error.code < 400:
            return error.get_response()
        if is_api_request():
            if isinstance(error, RateLimitExceeded):
                return ratelimit.exceeded(error)  # with Retry-After, headers enabled or not
            return http_problem(error, MESSAGES.get(error.code, error.name))
        link = in_the_trash() if error.code == 410 else None
        # Pages say it in words; problem+json keeps the status's own name as its title.
        title = error.name if wants_json() else TITLES.get(error.code, error.name)
        # A reason given with the abort (the deletion pages say what may not be done), else
        # ours for the status: never werkzeug's generic text, nor a rate limit's spelling.
        given = None
        if error.description != type(error).description and not isinstance(
            error, RateLimitExceeded
        ):
            given = error.description
        body, status, headers = render_error(
            error.code, title, [given or MESSAGES.get(error.code, error.name)], link
        )
        # Allow (405), Retry-After (429) and the like, without werkzeug's content type.
        extra = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return body, status, extra | headers

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Any, int, dict[str, str]]:
        return render_error(
            400,
            "Form expired",
            [
                "This form was not sent with a valid security token. Reload the page and "
                "try again; nothing was changed."
            ],
        )

    @app.errorhandler(Refused)
    def refused(error: Refused) -> tuple[Any, int, dict[str, str]]:
        db.session.rollback()
        return render_error(error.status, error.title, error.reasons)

    @app.errorhandler(AlreadyDeleted)
    def already_deleted(error: AlreadyDeleted) -> tuple[Any, int, dict[str, str]]:
        # A trashed row's page says so (410) and leads to the trash, where it can be
        # restored; an htmx request or a JSON client asked to act on it: 409.
        message = f"That {noun(error.model)} was deleted: it is in the trash."
        if is_htmx() or wants_json():
            return render_error(409, "Already deleted", [message])
        return render_error(410, "In the trash", [message], in_the_trash())

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError) -> tuple[Any, int, dict[str, str]]:
        # Two people saving the same unique value at once: the database is the referee.
        db.session.rollback()
        return render_error(
            409,
            "Saved by someone else first",
            [
                "A conflicting change was saved at the same moment. Nothing was changed; "
                "reload and try again."
            ],
        )

    @app.errorhandler(DataError)
    def value_refused(error: DataError) -> tuple[Any, int, dict[str, str]]:
        # A value the column cannot hold slipped past validation (a NUL byte on PostgreSQL,
        # a number out of range): the transaction is rolled back whole, the client told.
        db.session.rollback()
        log.warning("value refused by the database", exc_info=error)
        return render_error(422, "Value not accepted", [MESSAGES[422]])

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[Any, int, dict[str, str]]:
        db.session.rollback()
        log.error("database unavailable", exc_info=error)
        return unavailable("Database unavailable")

    @app.errorhandler(RedisError)
    @app.errorhandler(StorageError)
    def redis_unavailable(error: Exception) -> tuple[Any, int, dict[str, str]]:
        # Rate-limit counters (Flask-Limiter, before the view: nothing was done) or
        # Idempotency-Key claims (before the work) out of reach: every page and the API alike.
        db.session.rollback()
        log.error("rate limit or idempotency store unavailable", exc_info=error)
        return unavailable("Service unavailable")

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[Any, int, dict[str, str]]:
        db.session.rollback()
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled error", exc_info=original)
        return render_error(500, TITLES[500], [MESSAGES[500]])
