"""The logged-in user as a real :class:`User` (not Flask-Login's proxy)."""

from __future__ import annotations

from typing import cast

from flask_login import current_user

from taskboard.models import User


def me() -> User:
    return cast(User, current_user._get_current_object())
