"""Declared authorization for views: ``@load(Item, allow=may_delete_item)``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from . import rows

F = TypeVar("F", bound=Callable[..., Any])


def load(model: type[Any], *, allow: Callable[[Any, Any], bool] | None = None) -> Callable[[F], F]:
    """Replace the URL's ``<id:{model}_id>`` with the row, loaded through the model's scoped
    loader (404 outside the user's scope, "already deleted" for trashed rows) and checked
    against ``allow(user, row)`` (403: the user sees the row but may not do this).
    """
    name = model.__name__.lower()
    param = f"{name}_id"

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            row = rows.get_or_404(model, kwargs.pop(param), current_user)
            if allow is not None and not allow(current_user, row):
                abort(403)
            kwargs[name] = row
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
