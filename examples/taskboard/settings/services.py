"""Profile, password, roles. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from werkzeug.security import check_password_hash

from taskboard.access.rows import scoped
from taskboard.auth.services import AccountError, hash_password, taken
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
    if not check_password_hash(user.password_hash, change.current):
        raise AccountError({"current": "That is not your current password."})
    user.password_hash = hash_password(change.password)
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
