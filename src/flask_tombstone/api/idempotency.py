"""``Idempotency-Key`` on the API's POSTs (bulk delete, restore, purge).

The key (per caller) is claimed before the work starts, so a concurrent retry on any worker
sees it running (``409`` with ``Retry-After``); the answer is kept when the work ends and
replayed to a retry with the same request; the same key with another request is ``422``.
Answers of ``5xx`` and ``429`` are not kept (nothing happened: a retry runs again), nor is a
request that crashed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from flask_tombstone.core.errors import TombstoneError
from flask_tombstone.core.operations import actor_id

from .body import MISSING, json_body
from .problems import ApiProblem, engine_problem, http_problem
from .schemas import IDEMPOTENCY_KEY_PATTERN
from .state import api, session
from .stores import Stored
from .validate import problems

HEADER = "Idempotency-Key"
KEY_SCHEMA = {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN}


def fingerprint() -> str:
    """The request as the key binds it: method, path, query and the JSON body's value."""
    body = json_body(required=False)
    text = json.dumps(
        [
            request.method,
            request.path,
            sorted(request.args.items(multi=True)),
            None if body is MISSING else body,
        ],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(actor: Any, work: Callable[[], Response]) -> Response:
    """``work()``, or the answer kept for the same request under the same key."""
    key = request.headers.get(HEADER)
    if key is None:
        return work()
    if problems(KEY_SCHEMA, key):
        raise ApiProblem(
            400,
            "Bad Request",
            f"{HEADER} is 1 to 200 visible ASCII characters.",
            code="malformed",
            errors=[{"parameter": HEADER, "detail": "must match " + IDEMPOTENCY_KEY_PATTERN}],
        )
    scope, print_ = actor_id(actor) or "", fingerprint()
    store = api().idempotency_store()
    if not store.claim(scope, key, print_):
        return _replay(store.replay(scope, key), print_)
    try:
        response = _answer(work)
    except BaseException:
        session().rollback()
        store.release(scope, key)
        raise
    try:
        if response.status_code >= 500 or response.status_code == 429:
            store.release(scope, key)
        else:
            body = response.get_data(as_text=True)
            answer = Stored(print_, response.status_code, body, response.mimetype)
            store.settle(scope, key, answer)
    except Exception as error:
        if not _store_outage(error):
            raise
        # The work is done: its answer is the client's even though the store cannot keep it
        # now (a 503 would say nothing was done). A retry finds the claim, or nothing.
        current_app.logger.error("idempotency store unavailable after the work", exc_info=error)
    return response


def _store_outage(error: BaseException) -> bool:
    """The store's own failures: the database's or Redis's."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(error, SQLAlchemyError):
        return True
    try:
        import redis
    except ImportError:
        return False
    return isinstance(error, redis.RedisError)


def _answer(work: Callable[[], Response]) -> Response:
    """The work's answer, refusals included (they are answers to keep, too)."""
    try:
        return work()
    except ApiProblem as refused:
        session().rollback()
        return refused.response()
    except TombstoneError as error:
        return engine_problem(error)
    except HTTPException as error:
        session().rollback()
        return http_problem(error)


def _replay(stored: Stored | None, print_: str) -> Response:
    if stored is not None and stored.fingerprint != print_:
        raise ApiProblem(
            422,
            "Idempotency key reused",
            f"This {HEADER} was used with another request.",
            code="key_reused",
        )
    if stored is None or stored.status is None:
        # None: released or expired between our claim and this read; a retry will run it.
        holds_for = stored.holds_for if stored is not None else None
        seconds = max(1, math.ceil(holds_for or 0))
        raise ApiProblem(
            409,
            "Still running",
            f"A request with this {HEADER} is under way: retry in {seconds} s.",
            code="running",
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )
    response = Response(stored.body, status=stored.status, mimetype=stored.media_type)
    response.headers["Idempotent-Replayed"] = "true"
    current_app.logger.debug("replayed an answer for %s", HEADER)
    return response
