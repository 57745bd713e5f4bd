"""The trash hidden inside a bulk delete's own filter.

``delete(Post).where(~Post.comments.any())`` means the posts without comments — live ones:
a comment in the trash is deleted, as far as the application can see, and an ORM query with
the same ``WHERE`` does not count it. The engine runs a bulk delete's filter inside its own
statements, where the ORM's loader criteria do not reach; :func:`live_only` writes them in:
every ``SELECT`` of the filter (``EXISTS``, ``IN``, scalar subqueries, at any depth) reads
only the live rows of the soft tables in its ``FROM``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Alias, Join, Select, Table
from sqlalchemy.sql import visitors


def live_only(statement: Select[Any], soft: set[Table], target: Table | None) -> Select[Any]:
    """``statement`` with each of its ``SELECT``\\s reading the live rows only of the tables
    in ``soft`` that it names in its ``FROM`` — but ``target`` in its own ``FROM``, if given:
    a hard delete takes the model's trashed rows too. An outer join's optional side is left
    as it is (a ``WHERE`` there would turn it into an inner join)."""

    def hidden(select: Any) -> Any:
        def nested(element: Any, **kw: Any) -> Any:
            return (
                hidden(element) if isinstance(element, Select) and element is not select else None
            )

        inner: Any = visitors.replacement_traverse(select, {}, nested)
        live = [
            from_.c.deleted_at.is_(None)
            for final in inner.get_final_froms()
            for from_, table in _named(final)
            if table in soft and not (select is statement and from_ is target)
        ]
        return inner.where(*live) if live else inner

    found: Select[Any] = hidden(statement)
    return found


def _named(from_: Any, optional: bool = False) -> Iterator[tuple[Any, Table]]:
    """The tables (or aliases of tables) a ``FROM`` element names, with the table, outside
    subqueries and the optional side of outer joins."""
    if isinstance(from_, Join):
        yield from _named(from_.left, optional)
        yield from _named(from_.right, optional or from_.isouter or from_.full)
    elif optional:
        return
    elif isinstance(from_, Table):
        yield from_, from_
    elif isinstance(from_, Alias) and isinstance(from_.element, Table):
        yield from_, from_.element
