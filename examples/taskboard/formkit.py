"""Small pieces every form module uses: input filters and select choices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectChoice
from wtforms.validators import Regexp


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """``[(value, label), ...]`` as WTForms choices."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


#: A pragmatic address check (one @, a dot in the domain, no spaces); the only real check of
#: an address is mail arriving there. Avoids the email_validator dependency of WTForms' Email.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$", message="Invalid email address.")
