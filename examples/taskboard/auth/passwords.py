"""Passwords: the one way a password is set (checked for strength, then hashed) and the one
way one is checked (as costly for an unknown account as for a known one).

Strength is zxcvbn's estimate (the ``zxcvbn`` package: frequency lists of common passwords,
words, names and keyboard patterns, and the account's own username and email as hints),
which must reach ``TASKBOARD_PASSWORD_MIN_SCORE``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

#: zxcvbn's own bound on what it examines (its cost grows fast with the length); the
#: characters past it only add to a password's strength.
EXAMINED = 72
#: Words of this site, as weak in its passwords as the username.
SITE_WORDS = ("taskboard",)

# zxcvbn keeps the hints of the call in progress in a module-level dictionary.
_zxcvbn_lock = threading.Lock()


class WeakPassword(ValueError):
    """A new password refused; the message says why, in words for the person choosing it."""


def new_hash(password: str, *, hints: Iterable[str] = ()) -> str:
    """The hash to store for a new ``password`` (registration, a password change, the demo
    accounts: every password set goes through here).

    :param hints: what the password must not lean on: the account's username and email.
    :raises WeakPassword: it is common, short of patterns, or built on the hints.
    """
    problem = weakness(password, hints=hints)
    if problem is not None:
        raise WeakPassword(problem)
    return _hash(password)


def weakness(password: str, *, hints: Iterable[str] = ()) -> str | None:
    """Why ``password`` is too easy to guess, or ``None`` if it is strong enough."""
    words = [*SITE_WORDS]
    for hint in hints:
        words.append(hint)
        words.extend(p for p in hint.replace("@", " ").replace(".", " ").split() if len(p) > 2)
    with _zxcvbn_lock:
        estimate = zxcvbn(password[:EXAMINED], user_inputs=words)
    if estimate["score"] >= int(current_app.config["TASKBOARD_PASSWORD_MIN_SCORE"]):
        return None
    feedback = estimate["feedback"]
    said = [feedback.get("warning") or "", *feedback.get("suggestions", [])]
    advice = " ".join(s for s in said if s)
    return f"This password is too easy to guess. {advice}".strip()


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash.

    With no stored hash (no such account), a hash of the configured method and cost is
    checked all the same and ``False`` returned: the answer takes as long either way, so its
    timing does not tell whether the account exists.
    """
    if stored is None:
        check_password_hash(_dummy(_method()), password)
        return False
    return check_password_hash(stored, password)


def upgraded(stored: str, password: str) -> str | None:
    """A new hash of the (just verified) ``password`` when ``stored`` was made with another
    method or cost than new hashes are, else ``None``: replaced at the next login, every
    account costs the same to check as an unknown one."""
    if _parameters(stored) == _parameters(_dummy(_method())):
        return None
    return _hash(password)


def _hash(password: str) -> str:
    return generate_password_hash(password, method=_method())


def _method() -> str:
    return str(current_app.config["TASKBOARD_PASSWORD_METHOD"])


def _parameters(stored: str) -> str:
    """``scrypt:32768:8:1``: the method and cost a hash was made with."""
    return stored.split("$", 1)[0]


@lru_cache(maxsize=8)
def _dummy(method: str) -> str:
    """A hash of a random password nobody knows, made with ``method``."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)
