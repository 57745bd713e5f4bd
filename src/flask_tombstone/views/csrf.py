"""CSRF protection for the views' forms: Flask-WTF's token when it is installed (so an app
using ``CSRFProtect`` has one token for everything), otherwise a token of our own, kept in the
signed session and compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"
SESSION_KEY = "_tombstone_csrf"


def csrf_token() -> str:
    """The token to put in a form's ``csrf_token`` field."""
    try:
        from flask_wtf.csrf import generate_csrf
    except ImportError:
        token = session.get(SESSION_KEY)
        if not isinstance(token, str):
            token = session[SESSION_KEY] = secrets.token_urlsafe(32)
        return token
    return str(generate_csrf())


def check_csrf() -> None:
    """Abort with ``400`` unless the request carries this session's token (form field, or
    the ``X-CSRFToken`` header htmx sends)."""
    sent = request.form.get(FIELD) or request.headers.get("X-CSRFToken") or ""
    try:
        from flask_wtf.csrf import ValidationError, validate_csrf
    except ImportError:
        expected = session.get(SESSION_KEY)
        # As bytes: compare_digest refuses text beyond ASCII (a forged token can hold some).
        if not (
            isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())
        ):
            abort(400, description="The form expired or did not come from this site.")
        return
    try:
        validate_csrf(sent)
    except ValidationError:
        abort(400, description="The form expired or did not come from this site.")
