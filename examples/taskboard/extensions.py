"""The extension objects, created unbound and registered by :func:`taskboard.create_app`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from flask_tombstone import Tombstone

from .access.permissions import actor_key, deletable_rows
from .models.base import Base
from .models.scope import OperationProject

db = SQLAlchemy(model_class=Base)
# The projects an operation belongs to scope who sees, undoes and purges it: they are sealed
# with it, so that re-scoping a sealed operation breaks the audit chain.
# The permission hook's criteria are built once per user and role (permission_key).
tombstone = Tombstone(
    db=db,
    permission=deletable_rows,
    permission_key=actor_key,
    sealed_with=[OperationProject.op_id],
)
login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()


def rate_limit_key() -> str:
    """Per user when logged in (so one office behind a NAT does not share a budget), else
    per client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return get_remote_address()


F = TypeVar("F", bound=Callable[..., Any])
LIMITS = {
    # scope: (configuration key of the limit, key function)
    "login": ("TASKBOARD_LOGIN_LIMIT", get_remote_address),
    "destructive": ("TASKBOARD_DESTRUCTIVE_LIMIT", rate_limit_key),
}
LIMIT_MARK = "__taskboard_rate_limit__"


def _marker(scope: str) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, LIMIT_MARK, scope)
        return view

    return mark


#: Views taking login or registration attempts: limited per client address.
login_limit = _marker("login")
#: Destructive views (delete, bulk delete, undo, restore, purge): one budget per user,
#: shared by all of them, counted on POST.
destructive_limit = _marker("destructive")


def init_limiter(app: Flask) -> Limiter:
    """A Flask-Limiter per application (its storage and settings are per instance), applied
    to the views marked with :data:`login_limit` or :data:`destructive_limit`."""
    limiter = Limiter(key_func=rate_limit_key, app=app)
    for endpoint, view in list(app.view_functions.items()):
        scope = getattr(view, LIMIT_MARK, None)
        if scope is None:
            continue
        key, key_func = LIMITS[scope]

        def limit(key: str = key) -> str:
            return str(current_app.config[key])

        decorate = limiter.shared_limit(limit, scope=scope, key_func=key_func, methods=["POST"])
        limited: Any = decorate(view)
        app.view_functions[endpoint] = limited
    app.extensions["taskboard.limiter"] = limiter
    return limiter
