"""Logins kept on the server, so that they can end. Never commits.

Flask's session is a signed cookie: by itself, a copy of it keeps working until it expires,
whatever happens on the server. So each login is a row of ``login_session`` holding the
SHA-256 digest of a random secret, and Flask-Login keeps the login's key (``s_`` and the
secret) in the session and in the "keep me logged in" cookie instead of the user's id
(:meth:`User.login_key <taskboard.models.User.login_key>`). A cookie works while its row is
there and younger than ``PERMANENT_SESSION_LIFETIME``:

- logging out deletes the login's row (:func:`end`): a copy of either cookie is dead;
- changing the password deletes every login of the account and starts a new one for the
  browser that changed it (:func:`end_all`, then :func:`begin`);
- deleting an account deletes all of them (:func:`end_accounts`): restoring the account
  later does not bring them back.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, inspect, select

from taskboard.extensions import db
from taskboard.models import LoginSession, User
from taskboard.models.base import utcnow
from taskboard.models.user import LOGIN_KEY

PREFIX = "s_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _oldest() -> datetime:
    """Logins started before this have expired."""
    return utcnow() - current_app.permanent_session_lifetime


def begin(user: User) -> str:
    """Start a login for ``user`` (then hand ``user`` to Flask-Login's ``login_user``).

    Also forgets the account's expired logins, so that the table holds live ones only.
    Returns the login's key.
    """
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.created_at < _oldest()
        )
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, digest=digest(secret)))
    db.session.flush()
    key = PREFIX + secret
    inspect(user).info[LOGIN_KEY] = key
    return key


def load(key: str) -> User | None:
    """The live account whose unexpired login has this key, else ``None`` (Flask-Login's
    loader: the session's and the remember cookie's value both come here)."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None  # also a bare id, kept by a login from before logins were kept
    # One statement, the login joined to its account (the join hides a trashed account).
    user = db.session.scalars(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.digest == digest(key[len(PREFIX) :]))
        .where(LoginSession.created_at >= _oldest())
    ).first()
    if user is not None:
        inspect(user).info[LOGIN_KEY] = key
    return user


def end(user: User) -> None:
    """End the login ``user`` was loaded through (logging out)."""
    key = inspect(user).info.pop(LOGIN_KEY, None)
    if isinstance(key, str) and key.startswith(PREFIX):
        db.session.execute(
            delete(LoginSession).where(LoginSession.digest == digest(key[len(PREFIX) :]))
        )


def end_all(user: User) -> None:
    """End every login of ``user``, this request's included (start a new one with
    :func:`begin` to stay logged in)."""
    inspect(user).info.pop(LOGIN_KEY, None)
    end_accounts([user.id])


def end_accounts(user_ids: Collection[int]) -> None:
    """End every login of these accounts (they were deleted)."""
    if user_ids:
        db.session.execute(delete(LoginSession).where(LoginSession.user_id.in_(user_ids)))
