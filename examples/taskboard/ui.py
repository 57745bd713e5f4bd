"""Small helpers the views share: htmx detection, redirects, pagination, numbers."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, request, url_for
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import Select
from werkzeug.wrappers import Response

from .extensions import db
from .security import parse_id, safe_next


def is_htmx() -> bool:
    """Whether htmx sent this request (the page stays; answer with a fragment)."""
    return request.headers.get("HX-Request") == "true"


JSON_TYPES = ("application/problem+json", "application/json")


def wants_json() -> bool:
    """Whether the client prefers JSON to HTML (errors then come as problem+json); the API
    answers in JSON whatever the client accepts."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", *JSON_TYPES])
    return best in JSON_TYPES


def redirect_to(default: str, target: str | None = None) -> Response:
    """303 to ``target`` when it is a safe local path, else to ``default``."""
    from flask import redirect

    return redirect(safe_next(target) or default, code=303)


def current_path() -> str:
    """This page's path and query, for ``next=`` links back to it."""
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def page_url(page: int) -> str:
    """This page's URL with another ``page=``."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(flat=False)}
    values["page"] = str(page)
    return url_for(request.endpoint or "index", **values)


MAX_PAGE = 100_000


def paginate(query: Select[Any]) -> Pagination:
    """One page of ``query``: ``?page=`` read defensively (junk or huge numbers give the first
    or last reasonable page, never a database error), ``TASKBOARD_PER_PAGE`` rows."""
    page = parse_id(request.args.get("page", "1")) or 1
    return db.paginate(
        query,
        page=min(page, MAX_PAGE),
        per_page=current_app.config["TASKBOARD_PER_PAGE"],
        max_per_page=100,
        error_out=False,
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(page_url=page_url, current_path=current_path)
    app.jinja_env.filters["number"] = number


def number(value: int) -> str:
    """``12000`` → ``"12,000"``: counts on pages have thousands separators."""
    return f"{value:,}"


def flash_form_errors(form: FlaskForm, prefix: str = "") -> None:
    """Flash each of ``form``'s validation errors (for forms posted from another page)."""
    for errors in form.errors.values():
        for error in errors:
            flash(f"{prefix}{error}", "error")
