"""Every answer of the API that is not a success is RFC 9457 ``application/problem+json``.

Views raise :class:`ApiProblem` (or let an engine error through); the blueprint's handlers turn
those, Werkzeug's HTTP errors (a body too large, a method not offered), database outages and
anything unexpected into problems. URLs under the API's prefix that match no route are answered
the same way before Flask would render the app's HTML error page. Never a traceback, never the
database's own text.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from flask import Flask, current_app, request
from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

from flask_tombstone.core.errors import (
    AlreadyGone,
    DatabaseFailure,
    NotFound,
    PlanChanged,
    TombstoneError,
)
from flask_tombstone.problems import TYPE_BASE, problem

UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


class ApiProblem(Exception):
    """An answer other than success, raised from anywhere in a view.

    :param status: the HTTP status.
    :param code: a stable, machine-readable reason (also the end of ``type``).
    :param headers: extra response headers (``Retry-After``, ``Allow``...).
    :param extensions: further members of the problem (``errors``, ``cap``, ``count``...).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        code: str,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.code = status, title, detail, code
        self.headers = headers or {}
        self.extensions = extensions

    def response(self) -> Response:
        return problem(
            self.status,
            self.title,
            self.detail,
            type_=TYPE_BASE + self.code.replace("_", "-"),
            headers=self.headers,
            code=self.code,
            **self.extensions,
        )


def fail(status: int, title: str, detail: str, *, code: str, **extensions: Any) -> NoReturn:
    raise ApiProblem(status, title, detail, code=code, **extensions)


def not_found(detail: str = "There is nothing here for you.") -> NoReturn:
    fail(404, "Not Found", detail, code="not_found")


def invalid(errors: list[tuple[str, str]], where: str = "body") -> NoReturn:
    """``422`` listing each problem as ``{"pointer"|"parameter": ..., "detail": ...}``."""
    key = "pointer" if where == "body" else "parameter"
    listed = [{key: at or "/", "detail": message} for at, message in errors]
    summary = "; ".join(f"{at or 'the body'} {message}" for at, message in errors[:5])
    fail(422, "Unprocessable Content", summary, code="invalid", errors=listed)


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def wait_at_least(wait: float | None, detail: str) -> None:
    """A rate-limit hook's answer: ``429`` with ``Retry-After`` (``{seconds}`` in ``detail``)
    when it says wait."""
    if wait is None or wait <= 0:
        return
    seconds = retry_after(wait)
    fail(
        429,
        "Too Many Requests",
        detail.format(seconds=seconds),
        code="rate_limited",
        headers={"Retry-After": seconds},
        retry_after=int(seconds),
    )


# -- handlers --------------------------------------------------------------------------------
def engine_problem(error: TombstoneError) -> Response:
    """An engine error as a problem: its status, title, code and structured extensions."""
    _rollback()
    if isinstance(error, DatabaseFailure):
        return unavailable()
    if isinstance(error, AlreadyGone | NotFound):
        # Someone else's delete won the race, or the row is not there for this caller.
        return ApiProblem(
            404, "Not Found", "It is not here (any more).", code="not_found"
        ).response()
    code = "changed" if isinstance(error, PlanChanged) else error.code
    status = error.status if 400 <= error.status < 500 else 500
    return ApiProblem(status, error.title, str(error), code=code, **error.extensions()).response()


def http_problem(error: HTTPException) -> Response:
    """Werkzeug's errors (``abort(404)``, a body over the limit, a method not offered). One
    that carries its own answer (``abort(response)``, from the app's ``before_request`` hooks
    or its ``row_limit``: a ``401``, a ``429``) goes out as it is."""
    if error.response is not None:
        return error.response  # type: ignore[return-value]
    status = error.code or 500
    headers: dict[str, str] = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    code = {
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
    }.get(status, "http_error")
    detail = {
        404: "There is nothing here for you.",
        405: "This URL does not take that method.",
        413: "The body is larger than this API takes.",
    }.get(status, error.name)
    if status >= 500:
        return internal_error(error)
    return ApiProblem(status, error.name, detail, code=code, headers=headers).response()


def database_problem(error: SQLAlchemyError) -> Response:
    _rollback()
    if isinstance(error, UNAVAILABLE):
        current_app.logger.warning("database unavailable: %s", type(error).__name__)
        return unavailable()
    return internal_error(error)


def unavailable() -> Response:
    seconds = int(current_app.config["TOMBSTONE_API_RETRY_AFTER"])
    return ApiProblem(
        503,
        "Service Unavailable",
        "The database did not answer. Nothing was changed; try again in a moment.",
        code="unavailable",
        headers={"Retry-After": retry_after(seconds)},
        retry_after=seconds,
    ).response()


def internal_error(error: BaseException) -> Response:
    """Something the API did not foresee: logged with its traceback, answered without it.
    Redis out of reach (the idempotency store) is ``503``: nothing was done."""
    _rollback()
    if _redis_outage(error):
        current_app.logger.warning("redis unavailable: %s", type(error).__name__)
        return unavailable()
    current_app.logger.error("error in the deletion API", exc_info=error)
    return ApiProblem(
        500, "Internal Server Error", "Something went wrong on our side.", code="internal"
    ).response()


def _redis_outage(error: BaseException) -> bool:
    try:
        import redis
    except ImportError:
        return False
    return isinstance(error, redis.ConnectionError | redis.TimeoutError)


def _rollback() -> None:
    from .state import api

    try:
        api().tombstone.db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: nothing to roll back
        current_app.logger.warning("rollback failed after an API error", exc_info=True)


def register_handlers(blueprint: Any) -> None:
    blueprint.register_error_handler(ApiProblem, lambda error: error.response())
    blueprint.register_error_handler(TombstoneError, engine_problem)
    blueprint.register_error_handler(HTTPException, http_problem)
    blueprint.register_error_handler(SQLAlchemyError, database_problem)
    blueprint.register_error_handler(Exception, internal_error)


def answer_unrouted(app: Flask, prefix: str) -> None:
    """A URL under ``prefix`` that matches no route (``/api/tasks/01``, a method not offered)
    is answered as a problem: Flask raises routing errors after ``before_request``, outside
    any blueprint, where the app's own (HTML) error pages would answer."""

    def check() -> Response | None:
        error = request.routing_exception
        if error is None or not isinstance(error, HTTPException):
            return None
        path = request.path
        if prefix and not (path == prefix or path.startswith(prefix.rstrip("/") + "/")):
            return None
        if error.code in (404, 405):
            return http_problem(error)
        return None  # a redirect (trailing slash) goes on as usual

    app.before_request(check)
