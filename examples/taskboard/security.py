"""Security headers, the id converter, ``next=`` validation (no open redirects), and HTML
pages that take forms only (:func:`taskboard.bodies.forms_only`)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response
from werkzeug.routing import IntegerConverter, Map

from . import bodies

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
#: How an id is written, in a URL or a form: decimal ASCII digits, no sign, no leading zero, at
#: most ten digits (``int()`` and werkzeug's ``\d`` also take ``01``, ``+1``, `` 1``, ``1_0``
#: and other scripts' digits, full-width ones say: one row, many spellings).
ID_PATTERN = r"[1-9][0-9]{0,9}"
_ID = re.compile(ID_PATTERN)


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive id that fits every database's INTEGER, written canonically.

    Anything else (``abc``, ``-1``, ``0``, ``01``, ``+1``, a full-width digit, 2**40) is no
    route at all: 404, never another spelling of a real row, never a database error from an
    out-of-range parameter. werkzeug's ``int`` converter matches ``\\d+``, which takes every
    script's digits, and leading zeros; its ``fixed_digits`` only pads.
    """

    regex = ID_PATTERN

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(value: object) -> int | None:
    """An id from a form or query value, written as :data:`ID_PATTERN` says, or ``None``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


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
    app.before_request(bodies.forms_only)

    @app.after_request
    def security_headers(response: Response) -> Response:
        return add_headers(response, hsts=bool(app.config["SESSION_COOKIE_SECURE"]))
