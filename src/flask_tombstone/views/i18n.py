"""Strings marked for translation: Flask-Babel's ``gettext`` when it is installed, else the
text itself (formatted the same way: ``_("%(n)s rows", n=3)``)."""

from __future__ import annotations

from typing import Any


def _(text: str, **values: Any) -> str:
    try:
        from flask_babel import gettext
    except ImportError:
        return text % values if values else text
    return str(gettext(text, **values))
