"""Bearer-token authentication for the API; the session cookie is never consulted, so
there is nothing for a cross-site request to ride on (hence no CSRF tokens)."""

from __future__ import annotations

from flask import g
from flask import request as flask_request

from taskboard.access.permissions import remember_role
from taskboard.auth import tokens
from taskboard.models import User

from .problems import abort_problem

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="taskboard"'}


def authenticate() -> None:
    """``before_request`` of every API blueprint: resolve the bearer token or answer 401."""
    scheme, _, secret = flask_request.headers.get("Authorization", "").partition(" ")
    user = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort_problem(
            401,
            "Unauthorized",
            "Send a valid API token: Authorization: Bearer <token> (create one in Settings).",
            headers=CHALLENGE,
        )
    g.api_user = user
    remember_role(user)


def caller() -> User:
    """The user the request's token belongs to."""
    user: User = g.api_user
    return user
