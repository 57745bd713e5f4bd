"""Personal API tokens: issue, list, revoke, and authenticate a bearer secret. Never commits.

A token is ``tb_`` and 43 URL-safe characters (256 random bits). Only its SHA-256 digest is
stored: a fast hash is enough for a secret that long (there is nothing to brute-force), and it
lets authentication be one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, select, update

from taskboard.extensions import db
from taskboard.models import ApiToken, User
from taskboard.models.base import utcnow

PREFIX = "tb_"
NAME_LENGTH = 80


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the row, and the secret, shown to its owner this once only."""

    token: ApiToken
    secret: str


class TokenError(Exception):
    """A token request refused; ``fields`` maps form fields to what is wrong."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user: User, name: str) -> IssuedToken:
    """Create a token for ``user``, labelled ``name``."""
    name = name.strip()
    if not name:
        raise TokenError({"name": "Give the token a name, to tell it apart later."})
    if len(name) > NAME_LENGTH:
        raise TokenError({"name": f"Keep the name under {NAME_LENGTH} characters."})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, prefix=secret[: len(PREFIX) + 6], digest=digest(secret)
    )
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token, secret)


def tokens_of(user: User) -> Select[ApiToken]:
    """The user's active tokens, newest first."""
    return (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    )


def revoke(user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s own tokens; ``False`` when there is no such active token."""
    token = db.session.scalars(tokens_of(user).where(ApiToken.id == token_id)).first()
    if token is None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def revoke_all(user_ids: Collection[int]) -> None:
    """Revoke every active token of these accounts (they were deleted)."""
    if user_ids:
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id.in_(user_ids), ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def authenticate(secret: str) -> User | None:
    """The live account an active token belongs to, or ``None``.

    A trashed account does not load (the soft-delete criterion hides it); deleting an account
    through Taskboard also revokes its tokens for good (:func:`revoke_all`).
    """
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    # One statement: the token joined to its account (the join hides a trashed account).
    found = db.session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.digest == digest(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    now = utcnow()
    if last_used_at is None or (now - last_used_at).total_seconds() >= 60:
        # At most once a minute: not a write on every request.
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    return user
