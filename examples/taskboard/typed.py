"""Typed faces of the extensions that ship without type information (Flask-Login's
decorator and mixin, Flask-WTF's form base). The rest of the app imports them from here, so
the untyped boundary is this one module."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import flask_login

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Flask-Login's ``login_required``, keeping the view's signature."""
    return cast(F, flask_login.login_required(view))


if TYPE_CHECKING:

    class FlaskForm:
        errors: dict[str, list[str]]

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...
        def validate_on_submit(self, extra_validators: Any = None) -> bool: ...
        def validate(self, extra_validators: Any = None) -> bool: ...
        def __getitem__(self, name: str) -> Any: ...

    class UserMixin:
        @property
        def is_authenticated(self) -> bool: ...
        @property
        def is_active(self) -> bool: ...
        def get_id(self) -> str: ...

else:
    from flask_login import UserMixin
    from flask_wtf import FlaskForm

__all__ = ["FlaskForm", "UserMixin", "login_required"]
