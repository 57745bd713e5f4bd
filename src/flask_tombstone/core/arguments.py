"""Checks of the public API's plain arguments: a wrong Python type is a ``TypeError`` saying
what to pass, a value out of range an :class:`~.errors.InvalidTarget`; never a driver error."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from .errors import InvalidTarget

MAX_ID = 2**63 - 1


def check_count(name: str, value: Any) -> int:
    """A positive whole number (an operation id, a chunk size)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}= takes a positive whole number, not {type(value).__name__}")
    if not 0 < value <= MAX_ID:
        raise InvalidTarget(f"{name}={value} is not a positive whole number in range")
    return int(value)


def check_age(value: Any) -> timedelta:
    """A retention period: a ``timedelta`` of zero or more."""
    if not isinstance(value, timedelta):
        raise TypeError(
            f"older_than= takes a datetime.timedelta (e.g. timedelta(days=30)), "
            f"not {type(value).__name__}"
        )
    if value < timedelta(0):
        raise InvalidTarget(f"older_than={value} is negative: a retention period is 0 or more")
    if value > timedelta(days=365 * 1000):
        raise InvalidTarget(f"older_than={value} is longer than any retention period")
    return value


def check_context(value: Any) -> dict[str, Any]:
    """Extra facts recorded on the operation: a dict that JSON can hold as it is."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"context= takes a dict of JSON values, not {type(value).__name__}")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidTarget(f"context= must hold JSON values only ({exc})") from None
    return dict(value)


def check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name}= takes True or False, not {type(value).__name__}")


def check_text(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name}= takes a string, not {type(value).__name__}")
    if value is not None and "\x00" in value:
        raise InvalidTarget(f"{name}= may not contain NUL characters")


def check_size(name: str, value: Any) -> int:
    """A small count of zero or more (rows to sample)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}= takes a whole number, not {type(value).__name__}")
    if not 0 <= value <= 10_000:
        raise InvalidTarget(f"{name}={value} is not between 0 and 10000")
    return int(value)
