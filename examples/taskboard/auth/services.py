"""Accounts: creating them, checking passwords, loading the logged-in user."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from taskboard.access.permissions import remember_role
from taskboard.extensions import db
from taskboard.models import Role, User

# Compared against when the username is unknown, so that the answer takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password", method="pbkdf2:sha256:1000")


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str


class AccountError(Exception):
    """Registration refused; ``fields`` maps form fields to what is wrong with them."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["TASKBOARD_PASSWORD_METHOD"])


def taken(
    username: str | None = None, email: str | None = None, *, but: int | None = None
) -> dict[str, str]:
    """Which of ``username`` / ``email`` a live account already uses."""
    problems: dict[str, str] = {}
    clauses = []
    if username:
        clauses.append(User.username == username)
    if email:
        clauses.append(func.lower(User.email) == email.lower())
    if not clauses:
        return problems
    query = select(User).where(or_(*clauses))
    if but is not None:
        query = query.where(User.id != but)
    for user in db.session.scalars(query):
        if username and user.username == username:
            problems["username"] = "This username is taken."
        if email and user.email.lower() == email.lower():
            problems["email"] = "An account already uses this email."
    return problems


def register(registration: Registration) -> User:
    """Create an account (the very first one is an admin).

    :raises AccountError: the username or email is taken (both are reported).
    """
    problems = taken(registration.username, registration.email)
    if problems:
        raise AccountError(problems)
    first = (
        db.session.scalar(
            select(func.count()).select_from(User).execution_options(include_deleted=True)
        )
        == 0
    )
    user = User(
        username=registration.username,
        email=registration.email,
        password_hash=hash_password(registration.password),
        role=Role.ADMIN.value if first else Role.MEMBER.value,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The live account with these credentials (a username or an email), else ``None``."""
    user = db.session.scalars(
        select(User).where(or_(User.username == username, func.lower(User.email) == username))
    ).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: a live account only, so deleting an account logs it out."""
    if not user_id.isdigit() or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is not None:
        remember_role(user)
    return user
