"""How the views and the API name things in URLs: a model by its slug, an operation by one
spelling of its id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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


def default_slug(model: type) -> str:
    """A model's URL segment unless the app names another: its table name."""
    return str(getattr(model, "__tablename__", model.__name__.lower()))


def registrations(models: Iterable[type] | Mapping[str, type]) -> Iterator[tuple[str | None, type]]:
    """``(slug or None, model)`` for ``models=`` given as a list or as ``{slug: model}``."""
    if isinstance(models, Mapping):
        yield from models.items()
    else:
        yield from ((None, model) for model in models)
