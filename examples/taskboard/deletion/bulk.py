"""A bulk selection measured before it is deleted: how many rows, none of them gone, within the
cap. Shared by the HTML bulk delete of items and the API's bulk delete of every resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from taskboard.extensions import db

from .errors import Refused


@dataclass(frozen=True)
class Target:
    query: Select[Any]  # the rows the deletion takes (unordered)
    count: int
    notes: tuple[str, ...] = ()


def count(query: Select[Any]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(db.session.scalar(counted) or 0)


def measure(query: Select[Any], cap: int, *, noun: str, asked: int | None = None) -> Target:
    """The rows of ``query`` as a bulk target, at most ``cap`` of them.

    :param noun: the rows, plural (``"items"``), for the reasons.
    :param asked: how many ids were ticked; ``None`` when the selection is a filter.
    :raises Refused: nothing left (``not_found``, 404), or more than ``cap`` rows (``cap``).
    """
    found = count(query)
    notes: list[str] = []
    if asked is not None and found < asked:
        gone = asked - found
        notes.append(
            f"{gone} of the {asked} selected {noun} "
            f"{'is' if gone == 1 else 'are'} no longer there (deleted, or not yours to see)."
        )
    if found == 0:
        raise Refused(
            "Nothing to delete", [f"None of the selected {noun} is still there."], 404, "not_found"
        )
    if found > cap:
        raise Refused(
            f"Too many {noun} at once",
            [
                f"This would delete {found} {noun}; one bulk delete takes at most {cap}. "
                "Narrow the filter."
            ],
            422,
            "cap",
        )
    return Target(query=query, count=found, notes=tuple(notes))
