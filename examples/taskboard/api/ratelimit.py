"""Rate limits of the JSON API, per token holder (not per address: one office behind a NAT
does not share a budget, and one caller cannot spread over many addresses).

Three budgets, each a Flask-Limiter limit string from the configuration:

- ``TASKBOARD_API_READ_LIMIT``: ``GET`` (and ``HEAD``/``OPTIONS``) requests;
- ``TASKBOARD_API_WRITE_LIMIT``: every other request;
- ``TASKBOARD_API_DELETE_ROWS_LIMIT``: deleted rows. A ``DELETE`` costs one unit; a bulk
  delete costs one unit per row it deletes, charged by :func:`charge_rows` once the count is
  known and before anything is written: a batch the budget cannot cover is refused whole.

:func:`protect` puts the request budgets on a blueprint, after its authentication (the key is
the caller). The counters live in the application's Flask-Limiter storage, with its strategy:
memory by default, Redis with ``RATELIMIT_STORAGE_URI=redis://...``, so that several workers
share them. ``RATELIMIT_ENABLED = False`` turns these limits off with Flask-Limiter's own.
"""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.wrappers import Response

from flask_tombstone.problems import problem

from .problems import abort_problem

log = logging.getLogger(__name__)

READS = frozenset({"GET", "HEAD", "OPTIONS"})
BUDGETS = {
    # budget: configuration key of its limit
    "read": "TASKBOARD_API_READ_LIMIT",
    "write": "TASKBOARD_API_WRITE_LIMIT",
    "rows": "TASKBOARD_API_DELETE_ROWS_LIMIT",
}
TITLE = "Too Many Requests"


def protect(blueprint: Blueprint) -> None:
    """Limit every view of ``blueprint``: :func:`limit_request` runs after the blueprint's
    own ``before_request`` hooks (its authentication). Blueprints are module objects shared
    by every app built in a process, so the hook is added once."""
    if limit_request not in blueprint.before_request_funcs.get(None, []):
        blueprint.before_request(limit_request)


def limit_request() -> None:
    """Charge the request to the caller's read or write budget. Over a budget: ``429`` and
    the view does not run."""
    _spend("read" if request.method in READS else "write", 1)


def row_limit(actor: Any, count: int) -> None:
    """The deletion API's ``row_limit`` hook: a ``DELETE`` costs one row, a bulk delete the
    rows it takes, charged once they are counted and before anything is written."""
    charge_rows(count)


def charge_rows(count: int) -> None:
    """Charge ``count`` deleted rows to the caller's deletion budget, or answer ``429`` (``400``
    when no window could ever hold that many). Call it once the count is known and before
    writing anything: nothing is charged when it refuses."""
    _spend("rows", count)


def _limiter() -> Limiter | None:
    limiter: Limiter | None = current_app.extensions.get("taskboard.limiter")
    return limiter if limiter is not None and limiter.enabled else None


@lru_cache(maxsize=32)
def _parse(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def _holder() -> str:
    """The caller, once the blueprint authenticated them; a view without authentication is
    limited per client address instead."""
    user = g.get("api_user")
    return f"user:{user.id}" if user is not None else f"address:{get_remote_address()}"


def _spend(budget: str, cost: int) -> None:
    limiter = _limiter()
    if limiter is None or cost <= 0:
        return
    items = _parse(str(current_app.config[BUDGETS[budget]]))
    keys = (str(current_app.config["RATELIMIT_KEY_PREFIX"]), f"api-{budget}", _holder())
    for item in items:
        if cost > item.amount:
            abort_problem(
                400,
                "Over the deletion budget",
                f"This deletes {cost} rows, more than the whole budget of {item}: "
                "delete fewer at a time.",
                budget=str(item),
                rows=cost,
            )
    try:
        strategy = limiter.limiter
        # Test first when the cost is more than one: a fixed window counts even a refused hit,
        # and a refused batch must not eat the budget of the rows that could still go.
        refused = None
        if cost > 1:
            refused = next((i for i in items if not strategy.test(i, *keys, cost=cost)), None)
        if refused is None:
            refused = next((i for i in items if not strategy.hit(i, *keys, cost=cost)), None)
        if refused is None:
            return
        reset_at, _ = strategy.get_window_stats(refused, *keys)
    except limiter.storage.base_exceptions as error:
        _storage_down(error)
        return
    abort(too_many(str(refused), seconds_until(reset_at), budget=budget))


def seconds_until(reset_at: float) -> int:
    """``Retry-After``: whole seconds, at least one."""
    return max(1, math.ceil(reset_at - time.time()))


def too_many(limit: str, seconds: int, **extensions: Any) -> Response:
    """The ``429`` problem: ``Retry-After`` in seconds, also as the ``retry_after`` member."""
    return problem(
        429,
        TITLE,
        f"Over the limit of {limit}: try again in {seconds} s.",
        headers={"Retry-After": str(seconds)},
        limit=limit,
        retry_after=seconds,
        **extensions,
    )


def exceeded(error: RateLimitExceeded) -> Response:
    """The problem for a Flask-Limiter limit (an application-wide one, say) hit on ``/api``."""
    limiter = _limiter()
    current = limiter.current_limit if limiter is not None else None
    seconds = seconds_until(current.reset_at) if current is not None else 1
    return too_many(str(error.limit.limit), seconds)


def _storage_down(error: Exception) -> None:
    """The counters cannot be read: ``503`` (nothing was done), or on with the request when
    ``RATELIMIT_SWALLOW_ERRORS`` says so, as Flask-Limiter itself does."""
    log.error("rate limit storage unavailable", exc_info=error)
    if current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
        return
    abort_problem(
        503,
        "Service Unavailable",
        "The rate limit counters cannot be reached. Nothing was changed; try again shortly.",
        headers={"Retry-After": "5"},
    )
