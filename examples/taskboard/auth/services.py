"""Accounts: creating them, checking passwords, loading the logged-in user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from taskboard.access.permissions import remember_role
from taskboard.extensions import db
from taskboard.models import Role, User

from . import attempts, passwords, sessions, tokens


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

    :raises AccountError: the username or email is taken, the password too easy to guess
        (every one of them is reported).
    """
    problems = taken(registration.username, registration.email)
    try:
        password_hash = passwords.new_hash(
            registration.password, hints=(registration.username, registration.email)
        )
    except passwords.WeakPassword as weak:
        problems["password"] = str(weak)
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
        password_hash=password_hash,
        role=Role.ADMIN.value if first else Role.MEMBER.value,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(identifier: str, password: str) -> User | None:
    """The live account with these credentials (a username or an email), else ``None``.

    Costs one password hash whether the account exists or not, and counts the attempt
    against the account (:mod:`.attempts`) before checking anything.

    :raises attempts.TooManyAttempts: too many failures against this account lately.
    """
    user = db.session.scalars(
        select(User).where(or_(User.username == identifier, func.lower(User.email) == identifier))
    ).first()
    counter = attempts.account(user.id if user is not None else None, identifier)
    attempts.spend(counter)
    right = passwords.verify(user.password_hash if user is not None else None, password)
    if user is None or not right:
        return None
    attempts.forgive(counter)
    upgraded = passwords.upgraded(user.password_hash, password)
    if upgraded is not None:
        user.password_hash = upgraded
    return user


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s (asked again before changing it): counted against
    the account like a login, so a borrowed session cannot guess it faster than the form.

    :raises attempts.TooManyAttempts: too many failures against this account lately.
    """
    counter = attempts.account(user.id, user.username)
    attempts.spend(counter)
    if not passwords.verify(user.password_hash, password):
        return False
    attempts.forgive(counter)
    return True


def close_deleted_accounts(operation_id: int) -> None:
    """End the logins and revoke the API tokens of the accounts the operation put in the
    trash. Restoring an account later brings the account back, not a way into it: its
    owner logs in again and issues new tokens."""
    trashed = db.session.scalars(
        select(User.id)
        .where(User.deleted_by_op == operation_id)
        .execution_options(include_deleted=True)
    ).all()
    sessions.end_accounts(trashed)
    tokens.revoke_all(trashed)


def load_user(key: str) -> User | None:
    """Flask-Login's loader: the account of a live login (:mod:`.sessions`), so that
    logging out, a password change or deleting the account ends it."""
    user = sessions.load(key)
    if user is not None:
        remember_role(user)
    return user
