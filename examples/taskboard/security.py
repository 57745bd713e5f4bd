"""Security headers, the id converter, and ``next=`` validation (no open redirects)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response
from werkzeug.routing import IntegerConverter, Map

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",  # no inline scripts, no eval: htmx runs with allowEval off
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive id that fits every database's INTEGER.

    Anything else (``abc``, ``-1``, ``0``, 2**40) is no route at all: 404, never a database
    error from an out-of-range parameter.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(value: object) -> int | None:
    """An id from a form or query value, or ``None`` if it is not one."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/items?page=2``), else ``None``.

    Refuses absolute and scheme-relative URLs (``//evil``, ``/\\evil``), other schemes
    (``javascript:``) and control characters, which browsers strip or reinterpret.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


HSTS = ("Strict-Transport-Security", "max-age=31536000")


def add_headers(response: Response, *, hsts: bool) -> Response:
    """:data:`HEADERS` (and HSTS) on ``response``, each unless the view set its own. On every
    response: one pass over what is there, not a scan per header as ``setdefault`` does."""
    present = {name.lower() for name, _ in response.headers}
    wanted = [*HEADERS.items(), HSTS] if hsts else HEADERS.items()
    response.headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
    return response


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter

    @app.after_request
    def security_headers(response: Response) -> Response:
        return add_headers(response, hsts=bool(app.config["SESSION_COOKIE_SECURE"]))
