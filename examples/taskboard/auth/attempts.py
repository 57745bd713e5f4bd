"""Failed password attempts per account, from any address.

The per-address limit (``TASKBOARD_LOGIN_LIMIT``) stops one client; this one stops many
(rotating addresses, a botnet) guessing one account's password: at most
``TASKBOARD_LOGIN_ACCOUNT_LIMIT`` failures against one account per window, whoever sends
them, at the login form and at the "current password" of a password change alike.

- An attempt is counted before the password is checked (atomically, so requests sent in
  parallel cannot all slip under the limit), and a correct password clears the account's
  count: what is limited is failures since the last success.
- Over the limit, the answer is ``429`` with ``Retry-After`` without the password being
  looked at, until the window ends. A stranger can keep an account from logging in only for
  as long as they keep failing against it, never for good.
- An unknown username is counted under its own name the same way: the answers never tell
  whether an account exists.

The counters live in the application's Flask-Limiter storage (memory, or Redis shared by
every worker), with its strategy, and are off when ``RATELIMIT_ENABLED`` is.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from functools import lru_cache

from flask import abort, current_app
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many

log = logging.getLogger(__name__)
SCOPE = "login-account"


class TooManyAttempts(Exception):
    """Too many failed attempts against one account: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after} s")
        self.retry_after = retry_after


def account(user_id: int | None, identifier: str) -> str:
    """The counter of an attempt: the account's when it exists (whether named by username or
    email), else the name that was tried."""
    if user_id is not None:
        return f"user:{user_id}"
    return "name:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


def spend(counter: str) -> None:
    """Count one attempt against ``counter``.

    :raises TooManyAttempts: the window's failures are used up; nothing else may be done.
    """
    limiter = _limiter()
    if limiter is None:
        return
    keys = _keys(counter)
    try:
        strategy = limiter.limiter
        refused = next((i for i in _items() if not strategy.hit(i, *keys)), None)
        if refused is None:
            return
        reset_at, _ = strategy.get_window_stats(refused, *keys)
    except limiter.storage.base_exceptions as error:
        _storage_down(error)
        return
    raise TooManyAttempts(max(1, math.ceil(reset_at - time.time())))


def forgive(counter: str) -> None:
    """The right password was given: clear the failures counted against ``counter``."""
    limiter = _limiter()
    if limiter is None:
        return
    try:
        for item in _items():
            limiter.limiter.clear(item, *_keys(counter))
    except limiter.storage.base_exceptions as error:
        _storage_down(error)


def _limiter() -> Limiter | None:
    limiter: Limiter | None = current_app.extensions.get("taskboard.limiter")
    return limiter if limiter is not None and limiter.enabled else None


def _keys(counter: str) -> tuple[str, ...]:
    return (str(current_app.config["RATELIMIT_KEY_PREFIX"]), SCOPE, counter)


def _items() -> tuple[RateLimitItem, ...]:
    return _parse(str(current_app.config["TASKBOARD_LOGIN_ACCOUNT_LIMIT"]))


@lru_cache(maxsize=8)
def _parse(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def _storage_down(error: Exception) -> None:
    """The counters cannot be read: ``503`` (a password is never checked unlimited), or on
    without them when ``RATELIMIT_SWALLOW_ERRORS`` says so, as Flask-Limiter itself does."""
    log.error("rate limit storage unavailable", exc_info=error)
    if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
        abort(503)
