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


def refuse_composite_key(model: type, where: str) -> None:
    """Pages and endpoints address a row by one key in its URL: a model keyed by several
    columns (an association object) cannot be registered.

    :raises ConfigurationError: naming the model and its key's columns."""
    from sqlalchemy import inspect

    from .core import ConfigurationError

    columns: tuple[Any, ...] = tuple(inspect(model).primary_key)
    if len(columns) != 1:
        names = ", ".join(column.name for column in columns)
        raise ConfigurationError(
            f"{model.__name__} is keyed by {names}: {where} address a row by one key in its "
            "URL; register a model with a single-column primary key",
            model=model.__name__,
        )
