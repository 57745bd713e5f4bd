"""Profile, password, roles. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from taskboard.access.rows import scoped
from taskboard.auth import passwords, sessions
from taskboard.auth.services import AccountError, check_password, taken
from taskboard.deletion.errors import Refused
from taskboard.extensions import db
from taskboard.models import Role, User


@dataclass(frozen=True)
class PasswordChange:
    current: str
    password: str


def update_email(user: User, email: str) -> User:
    problems = taken(email=email, but=user.id)
    if problems:
        raise AccountError(problems)
    user.email = email
    db.session.flush()
    return user


def change_password(user: User, change: PasswordChange) -> None:
    """Set a new password, end every login of the account and start a new one for the
    browser that asked (the view hands ``user`` to ``login_user`` again).

    API tokens stay: each is a credential of its own, listed in the settings to revoke.

    :raises AccountError: the current password is wrong, the new one too easy to guess
        (both are reported).
    :raises attempts.TooManyAttempts: too many wrong current passwords lately.
    """
    problems: dict[str, str] = {}
    password_hash = ""
    try:
        password_hash = passwords.new_hash(change.password, hints=(user.username, user.email))
    except passwords.WeakPassword as weak:
        problems["password"] = str(weak)
    if not check_password(user, change.current):
        problems["current"] = "That is not your current password."
    if problems:
        raise AccountError(problems)
    user.password_hash = password_hash
    sessions.end_all(user)
    sessions.begin(user)
    db.session.flush()


def people(admin: User, q: str = "", role: str = "") -> Select[User]:
    query = scoped(User, admin)
    if q:
        query = query.where(
            or_(
                User.username.icontains(q, autoescape=True),
                User.email.icontains(q, autoescape=True),
            )
        )
    if role:
        query = query.where(User.role == role)
    return query.order_by(User.username)


def _admins() -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)
        )
        or 0
    )


def ensure_not_last_admin(user: User) -> None:
    """Someone must stay able to manage the others.

    :raises Refused: ``user`` is the only live admin.
    """
    if user.is_admin and _admins() <= 1:
        raise Refused(
            "The last admin stays",
            [f"{user.username} is the only admin. Make someone else an admin first."],
            409,
            "last_admin",
        )


def set_role(user: User, role: str) -> User:
    if role not in {r.value for r in Role}:
        raise Refused("Unknown role", [f"“{role}” is not a role."], 422, "invalid")
    if role != Role.ADMIN.value:
        ensure_not_last_admin(user)
    user.role = role
    db.session.flush()
    return user
