"""What every endpoint does first: find the API, authenticate the caller, charge the rate limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy.orm import Session

from .problems import ApiProblem, wait_at_least

if TYPE_CHECKING:
    from . import DeletionAPI

EXTENSION = "tombstone_api"


def api() -> DeletionAPI:
    found: DeletionAPI = current_app.extensions[EXTENSION]
    return found


def session() -> Session:
    found: Session = api().tombstone.db.session
    return found


def caller(endpoint: str, *, anonymous: bool = False) -> Any:
    """The actor of this request (``Access.actor``), after the rate limit's word.

    :raises ApiProblem: ``401`` when the API requires someone and nobody is authenticated
        (unless ``anonymous``); ``429`` with ``Retry-After`` when the app's ``rate_limit``
        hook says wait.
    """
    state = api()
    actor = state.access.actor()
    if actor is None and not anonymous and state.access.login_required():
        raise ApiProblem(
            401,
            "Unauthorized",
            "Authenticate to use this API.",
            code="unauthorized",
            headers={"WWW-Authenticate": state.authenticate_header},
        )
    limit = state.rate_limit
    if limit is not None:
        wait_at_least(limit(endpoint, actor), "Slow down: try again in {seconds} s.")
    return actor
