"""What an application keeps beside an operation, sealed with it (``sealed_with=``).

An application often records more about an operation than the operations table holds — which
projects it belongs to, for whom it is visible — in rows of its own, and scopes or explains
the operation by them. Those rows are sealed with the operation: the seal reads them and hashes
them into the record, and ``verify`` reads them again, so that editing, removing or adding
such a row after the seal breaks the chain like an edit of the operation itself.

A source is either a column of the application's table holding the operation's id
(``OperationProject.op_id``: every row naming the operation is sealed, all its columns), or
an object with a ``name`` that is called as ``source(session, op_ids)`` and returns JSON-ready
data per operation id (operations it has nothing for are left out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Column, select
from sqlalchemy.orm import Session

from .audit_hash import plain
from .sql import INTERNAL


@runtime_checkable
class SealedSource(Protocol):
    """Data sealed with operations: ``source(session, op_ids) -> {op_id: JSON-ready data}``.

    ``name`` labels the data in the hash: keep it stable, or records sealed before a rename
    no longer verify.
    """

    @property
    def name(self) -> str: ...

    def __call__(self, session: Session, op_ids: Sequence[int]) -> Mapping[int, Any]: ...


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class SealedRows:
    """The rows of ``column``'s table whose ``column`` holds an operation's id.

    .. versionadded:: 0.2
    """

    column: Column[Any]

    @property
    def name(self) -> str:
        return str(self.column.table.name)

    def __call__(self, session: Session, op_ids: Sequence[int]) -> Mapping[int, Any]:
        found: dict[int, list[dict[str, Any]]] = {}  # {op id: rows naming it}
        if not op_ids:
            return found
        query = select(self.column.table).where(self.column.in_(op_ids))
        for row in session.execute(query, execution_options=INTERNAL):
            mapping = row._mapping
            values = {str(name): plain(value) for name, value in mapping.items()}
            found.setdefault(int(mapping[self.column]), []).append(values)
        return {op_id: sorted(rows, key=_key) for op_id, rows in found.items()}


def sealed_source(value: Any) -> SealedSource:
    """A column (or mapped attribute) holding operation ids, or a :class:`SealedSource`."""
    column = _column(value)
    if column is not None:
        return SealedRows(column)
    if isinstance(value, SealedSource):
        return value
    raise TypeError(
        f"sealed_with takes columns holding operation ids (OperationProject.op_id) or "
        f"callables with a name; got {value!r}"
    )


def _column(value: Any) -> Column[Any] | None:
    if isinstance(value, Column):
        return value
    columns = getattr(getattr(value, "property", None), "columns", None)
    if columns and isinstance(columns[0], Column):
        return columns[0]
    return None


def gather(
    session: Session, sources: Sequence[SealedSource], op_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """``{op id: {source name: data}}``, sources with nothing for an operation left out."""
    sealed: dict[int, dict[str, Any]] = {}
    for source in sources:
        for op_id, data in source(session, op_ids).items():
            if data:
                sealed.setdefault(int(op_id), {})[source.name] = data
    return sealed
