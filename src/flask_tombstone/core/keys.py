"""Primary key values checked by the key's own type: an id is never coerced into another row's.

``1.5`` is not row 1, ``"01"`` is not row 1, ``2**63`` is no row of a 64-bit key, and a UUID
key takes UUIDs (or their canonical text). A value that cannot be a key of the column raises
:class:`~.errors.InvalidTarget`; a container that is not a list of values raises ``TypeError``.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    TypeDecorator,
    Uuid,
    and_,
    cast,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.engine.default import DefaultDialect

from .errors import InvalidTarget

DECIMAL = re.compile(r"0|-?[1-9][0-9]*")  # canonical: no sign on 0, no leading zeros
UUID_TEXT = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # canonical form
CANONICAL_UUID = re.compile(UUID_TEXT)
LONGEST_INTEGER = len(str(-(2**63)))  # no 64-bit key is written with more characters
INT_RANGES = (  # (type, bits), most specific first
    (SmallInteger, 16),
    (BigInteger, 64),
    (Integer, 32),
)


def is_integer_key(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type, Integer)


def require_integer_key(node: Any) -> None:
    """Chunked work walks a model's rows by key ranges, which only integer keys have."""
    if not is_integer_key(node.pk):
        raise InvalidTarget(
            f"{node.name} has a {node.pk.type} key: chunked deletes and purges need an integer "
            f"primary key (run it without chunk_size=)"
        )


def fits_row_id(column: Column[Any]) -> bool:
    """Whether the key's values fit the journal's ``row_id`` (an ``INTEGER``): big-integer,
    UUID and string keys are written into the entry's data instead."""
    return isinstance(column.type, Integer) and not isinstance(column.type, BigInteger)


def key_values(
    column: Column[Any],
    values: Any,
    *,
    what: str = "ids",
    dialect: str | None = None,
    from_text: bool = False,
) -> tuple[Any, ...]:
    """``values`` as a tuple of distinct keys of ``column``, in the order given (with
    ``from_text``, as a form spells them: :func:`key_from_text`)."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise TypeError(
            f"{what}= takes a list of primary key values (e.g. {what}=[3, 5]), "
            f"not {type(values).__name__}"
        )
    one = key_from_text if from_text else key_value
    keys = [one(column, value, dialect=dialect) for value in values]
    if not keys:
        raise InvalidTarget(f"nothing to delete: no {what} given")
    return tuple(dict.fromkeys(keys))


def key_from_text(column: Column[Any], value: Any, *, dialect: str | None = None) -> Any:
    """A key as a URL or a form spells it: :func:`key_value`, with an integer or UUID key
    taken only in its one canonical text (``01``, ``+1``, an upper-case or braced UUID are no
    key), so that a row has one address."""
    kind = column.type
    if isinstance(value, str) and (
        (isinstance(kind, Integer) and not DECIMAL.fullmatch(value))
        or (isinstance(kind, Uuid) and not CANONICAL_UUID.fullmatch(value))
    ):
        label = f"{column.table.name}.{column.name}"
        raise InvalidTarget(f"{value[:40]!r} is not the canonical form of an id of {label}")
    return key_value(column, value, dialect=dialect)


def key_value(column: Column[Any], value: Any, *, dialect: str | None = None) -> Any:
    """One value checked (and, for text forms, converted) by the key column's type.

    SQLite stores any ``Integer`` in 64 bits; the servers' ``INTEGER`` has 32.
    """
    label = f"{column.table.name}.{column.name}"
    return _typed(column.type, value, label, dialect)


def _typed(kind: Any, value: Any, label: str, dialect: str | None) -> Any:
    if isinstance(kind, TypeDecorator):
        return _decorated(kind, value, label, dialect)
    if isinstance(kind, Integer):
        return _integer(kind, value, label, wide=dialect in (None, "sqlite"))
    if isinstance(kind, Uuid):
        return _uuid(kind, value, label)
    if isinstance(kind, String):
        if not isinstance(value, str) or not value or "\x00" in value:
            raise InvalidTarget(f"{value!r} is not a valid id of {label} (a non-empty string)")
        if kind.length is not None and len(value) > kind.length:
            raise InvalidTarget(f"{value[:40]!r}... is longer than any id of {label}")
        return value
    try:
        expected = kind.python_type
    except NotImplementedError:
        return value
    if not isinstance(value, expected) or isinstance(value, bool):
        raise InvalidTarget(f"{value!r} is not a valid id of {label} ({expected.__name__})")
    return value


def _decorated(kind: TypeDecorator[Any], value: Any, label: str, dialect: str | None) -> Any:
    """A key of a custom type (SQLAlchemy's "backend-agnostic GUID" recipe): what its own
    ``process_bind_param`` refuses is no key (it would fail as the statement is sent, a raw
    ``StatementError``), and what it makes of the value must be a key of the type under it."""
    try:
        bound = kind.process_bind_param(value, _dialect(dialect))
    except Exception:
        raise InvalidTarget(f"{value!r:.60} is not a valid id of {label}") from None
    _typed(kind.impl_instance, bound, label, dialect)
    return value  # as given: the statement's parameter goes through the type itself


@functools.cache
def _dialect(name: str | None) -> Dialect:
    """A dialect of ``name`` for a custom type's ``process_bind_param`` (which may ask its
    ``name``), built without a connection or a driver."""
    if name is None:
        return DefaultDialect()
    return make_url(f"{name}://").get_dialect()()


def _integer(kind: Integer, value: Any, label: str, *, wide: bool) -> int:
    text = isinstance(value, str) and DECIMAL.fullmatch(value)
    if text and len(value) > LONGEST_INTEGER:  # before int(), which refuses 4,300 digits
        raise InvalidTarget(f"{value[:40]}... is out of range for {label}")
    if text or (isinstance(value, int) and not isinstance(value, bool)):
        number = int(value)
    else:
        raise InvalidTarget(f"{value!r} is not a valid id of {label} (a whole number)")
    bits = 64 if wide else next(b for t, b in INT_RANGES if isinstance(kind, t))
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise InvalidTarget(f"{number} is out of range for {label}")
    return number


def _uuid(kind: Uuid[Any], value: Any, label: str) -> Any:
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            raise InvalidTarget(f"{value!r} is not a valid id of {label} (a UUID)") from None
    else:
        raise InvalidTarget(f"{value!r} is not a valid id of {label} (a UUID)")
    return parsed if kind.as_uuid else str(parsed)


def key_in(column: Column[Any], keys: tuple[Any, ...], dialect: str | None) -> ColumnElement[bool]:
    """The rows whose key is exactly one of ``keys``.

    MySQL and MariaDB compare text by the column's collation, usually case-insensitive and
    blind to trailing spaces: ``"ALPHA"`` would match the row ``"alpha"``. There a string key is
    also compared byte for byte (the plain comparison stays, for the index); a column whose
    character set is not the connection's (``latin1`` holding non-ASCII keys) then matches
    nothing rather than another row.
    """
    exact = column == keys[0] if len(keys) == 1 else column.in_(keys)
    if dialect not in ("mysql", "mariadb") or not isinstance(column.type, String):
        return exact
    as_bytes = [key.encode("utf-8") for key in keys]
    return and_(exact, cast(column, LargeBinary).in_(as_bytes))


def json_key(value: Any) -> Any:
    """A key as JSON holds it: integers as numbers, anything else as text."""
    return value if isinstance(value, int) and not isinstance(value, bool) else str(value)
