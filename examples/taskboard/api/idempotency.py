"""``Idempotency-Key`` for unsafe API requests.

The key (per user) is claimed before the work starts, so a concurrent retry sees it running
(409); the answer is kept when the work ends, and replayed to a retry with the same body; the
same key with another body is 422. Answers of 5xx and 429 are not kept: the work did not
happen, so a retry may try again. Where keys live is the store's business
(:mod:`.idempotency_stores`: the database, or Redis).

A store out of reach before the work is ``503`` with ``Retry-After`` (``taskboard.errors``):
nothing was done. Once the work is done, its answer goes back to the client even if the store
cannot keep it (logged): a retry then finds the claim, or nothing, never a second answer to the
first request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable
from typing import Any

from flask import request
from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from flask_tombstone.problems import PROBLEM_JSON

from .auth import caller
from .idempotency_stores import Stored, store
from .problems import abort_problem

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_LENGTH = 200
STORE_ERRORS = (RedisError, SQLAlchemyError)  # the stores' own: Redis, the database


def fingerprint(body: dict[str, Any]) -> str:
    text = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(body: dict[str, Any], work: Callable[[], Response]) -> Response:
    """``work()``, or the stored answer of the same request under the same key."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return work()
    if len(key) > MAX_LENGTH:
        abort_problem(400, "Bad Request", f"{HEADER} is at most {MAX_LENGTH} characters.")
    user_id, print_ = caller().id, fingerprint(body)
    keys = store()
    if not keys.claim(user_id, key, print_):
        return _replay(keys.replay(user_id, key), print_)
    try:
        response = work()
    except HTTPException as error:
        _settle(user_id, key, print_, error.get_response())
        raise
    except BaseException:
        _quietly(lambda: keys.release(user_id, key))
        raise
    _settle(user_id, key, print_, response)
    return response


def _replay(stored: Stored | None, print_: str) -> Response:
    if stored is not None and stored.fingerprint != print_:
        abort_problem(
            422,
            "Idempotency key reused",
            f"This {HEADER} was used with another request.",
            code="key_reused",
        )
    if stored is None or stored.status is None:
        # None: released or expired between our claim and this read; a retry will run it.
        # Else the claim holds the key until the request ends, or its running timeout does
        # (the request died): a retry is worth it then, and not before.
        holds_for = stored.holds_for if stored is not None else None
        seconds = max(1, math.ceil(holds_for or 0))
        abort_problem(
            409,
            "Still running",
            f"A request with this {HEADER} is under way: retry in {seconds} s at the latest.",
            headers={"Retry-After": str(seconds)},
            code="running",
            retry_after=seconds,
        )
    mimetype = PROBLEM_JSON if stored.status >= 400 else "application/json"
    return Response(stored.body, status=stored.status, mimetype=mimetype)


def _settle(user_id: int, key: str, print_: str, response: Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        _quietly(lambda: store().release(user_id, key))
    else:
        answer = Stored(print_, response.status_code, response.get_data(as_text=True))
        _quietly(lambda: store().settle(user_id, key, answer))


def _quietly(action: Callable[[], None]) -> None:
    """``action()`` (settle or release a key) after the work: if the store fails now, the
    work's own answer still goes back (and the failure to the log), not a 503 saying nothing
    was done."""
    try:
        action()
    except STORE_ERRORS:
        log.exception("idempotency store unavailable after the request's work")
