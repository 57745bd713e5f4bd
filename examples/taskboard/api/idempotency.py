"""``Idempotency-Key`` for unsafe API requests, kept in the database.

The key is claimed (a row with no answer yet) and committed before the work starts, so a
concurrent retry sees it running (409); the answer is stored when the work ends, and replayed
to a retry with the same body; the same key with another body is 422. Answers of 5xx are not
kept (the work did not happen, so a retry may try again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from flask_tombstone.problems import PROBLEM_JSON
from taskboard.extensions import db
from taskboard.models import IdempotentRequest

from .auth import caller
from .problems import abort_problem

HEADER = "Idempotency-Key"


def fingerprint(body: dict[str, Any]) -> str:
    text = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(body: dict[str, Any], work: Callable[[], Response]) -> Response:
    """``work()``, or the stored answer of the same request under the same key."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return work()
    if len(key) > 200:
        abort_problem(400, "Bad Request", f"{HEADER} is at most 200 characters.")
    user_id = caller().id
    claim = IdempotentRequest(user_id=user_id, key=key, fingerprint=fingerprint(body))
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _replay(user_id, key, claim.fingerprint)
    try:
        response = work()
    except HTTPException as error:
        response = error.get_response()
        _settle(claim.id, response)
        raise
    _settle(claim.id, response)
    return response


def _replay(user_id: int, key: str, print_: str) -> Response:
    stored = db.session.scalars(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
        )
    ).one()
    if stored.fingerprint != print_:
        abort_problem(
            422, "Idempotency key reused", f"This {HEADER} was used with another request."
        )
    if stored.status is None:
        abort_problem(409, "Still running", f"A request with this {HEADER} is under way.")
    mimetype = PROBLEM_JSON if stored.status >= 400 else "application/json"
    return Response(stored.body, status=stored.status, mimetype=mimetype)


def _settle(claim_id: int, response: Response) -> None:
    db.session.rollback()
    if response.status_code >= 500:
        db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.id == claim_id))
    else:
        claim = db.session.get(IdempotentRequest, claim_id)
        if claim is not None:
            claim.status = response.status_code
            claim.body = response.get_data(as_text=True)
    db.session.commit()
