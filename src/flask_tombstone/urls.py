"""How the views and the API write an operation's id in a URL: one spelling per operation."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter, ValidationError

OP_ID_MAX = 2**31 - 1  # the operations table's INTEGER key on every database


class OperationId(BaseConverter):
    """An operation id as the views and the API write it: ASCII digits, no sign, no leading
    zero, within the operations table's ``INTEGER``; anything else (``01``, ``+1``,
    full-width digits, ``2**31``) is another URL, hence ``404``."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > OP_ID_MAX:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))
