"""The extension's plain ``TOMBSTONE_*`` settings, checked when the app starts: a value of the
wrong type or out of range stops ``init_app`` with a :class:`~.core.ConfigurationError` naming
the setting, instead of failing (or, worse, meaning something else) at the first request."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from .core import ConfigurationError

DURATION = re.compile(r"^(\d+)([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LARGEST_SAMPLE = 10_000  # as ``preview(sample_size=)`` takes it


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``... as a ``timedelta``.

    :raises ValueError: not such a duration, or longer than any ``timedelta``.
    """
    match = DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h or 2w")
    try:
        return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:
        raise ValueError(f"{text!r} is longer than any retention period") from None


def flag(config: Any, name: str) -> bool:
    """A ``True``/``False`` setting (the text ``"false"`` is no flag: it would read as true)."""
    value = config[name]
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} is True or False, not {value!r}")
    return value


def sample_size(config: Any, name: str = "TOMBSTONE_SAMPLE_SIZE") -> int:
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} is a whole number of rows, not {value!r}")
    if not 0 <= value <= LARGEST_SAMPLE:
        raise ConfigurationError(f"{name} is between 0 and {LARGEST_SAMPLE}, not {value}")
    return value


def retention(config: Any, name: str = "TOMBSTONE_RETENTION") -> timedelta | None:
    """The retention period (``None``: none set; purges then need ``--older-than``)."""
    value = config[name]
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as error:
        raise ConfigurationError(f"{name}: {error}") from None


def header_name(config: Any, name: str = "TOMBSTONE_REQUEST_ID_HEADER") -> str:
    value = config[name]
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} is the name of a request header, not {value!r}")
    return value
