"""Request bodies: JSON read within bounds (the API), and HTML pages that take forms only.

Whatever a client sends, reading it is never a server error. Python's ``json`` reads more than
JSON (``NaN``, ``Infinity``, lone surrogates) and fails in ways a handler of
``JSONDecodeError`` does not expect: ``RecursionError`` on deep nesting, ``ValueError`` on a
number of thousands of digits. :func:`loads` turns each into :class:`NotJson` or
:class:`OverLimits`; the body's size is bounded before that by ``MAX_CONTENT_LENGTH`` (413).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, request

#: The deepest nesting of arrays and objects a body may have. The API's deepest body is two
#: levels (a bulk delete's filter); a client has no need of more, a parser no use for it.
MAX_DEPTH = 32
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class NotJson(ValueError):
    """Not JSON as RFC 8259 (and I-JSON, RFC 7493) write it: a syntax error, ``NaN`` or
    ``Infinity``, text that is not UTF-8, a lone surrogate."""


class OverLimits(ValueError):
    """JSON, but nested deeper than :data:`MAX_DEPTH` or with a number too long to read."""


def loads(data: bytes | str) -> Any:
    """The JSON value of ``data``.

    :raises NotJson: it is not JSON.
    :raises OverLimits: it is, beyond what any request needs.
    """
    try:
        value = json.loads(data, parse_constant=_constant)
    except RecursionError:
        raise OverLimits(f"Nested deeper than {MAX_DEPTH} levels.") from None
    except NotJson:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NotJson(str(error)) from None
    except ValueError as error:  # int(): "Exceeds the limit (4300 digits)..."
        raise OverLimits("A number too long to read.") from error
    _check(value)
    return value


def _constant(name: str) -> Any:
    raise NotJson(f"{name} is not JSON.")


def _check(value: Any) -> None:
    """Depth and strings, without recursion (a deep value is exactly what must not recurse)."""
    pending: list[tuple[Any, int]] = [(value, 0)]  # (value, depth of its container)
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise OverLimits(f"Nested deeper than {MAX_DEPTH} levels.")
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict) and any(_SURROGATE.search(key) for key in item):
                raise NotJson("A lone surrogate is not text.")
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise NotJson("A lone surrogate is not text.")


def forms_only() -> None:
    """HTML pages take forms (url-encoded or multipart), never JSON: Flask-WTF would read a
    JSON body into a form (a list, a string or a nested object into fields made for text),
    out of this module's bounds. ``415`` before any view; the API, under ``/api``, takes JSON."""
    if request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        abort(415)
