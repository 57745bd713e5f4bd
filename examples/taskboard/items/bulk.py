"""Bulk selections of items: ticked ids, or "all N matching this filter"."""

from __future__ import annotations

from dataclasses import dataclass, field

from taskboard.deletion.bulk import Target, measure
from taskboard.deletion.errors import Refused
from taskboard.models import Item, User
from taskboard.security import parse_id

from . import services


@dataclass(frozen=True)
class Selection:
    """What the user ticked (``ids``), or everything matching ``wanted`` (``every``)."""

    ids: tuple[int, ...] = ()
    every: bool = False
    wanted: services.ItemFilter = field(default_factory=services.ItemFilter)

    def fields(self) -> tuple[tuple[str, str], ...]:
        """The selection as form fields, for the confirmation form to post back."""
        if self.every:
            return (("all", "1"), *self.wanted.args().items())
        return tuple(("ids", str(i)) for i in self.ids)


def parse_ids(values: list[str]) -> tuple[int, ...]:
    """Ticked ids; anything that is not an id refuses the request (422), listed."""
    ids: list[int] = []
    bad: list[str] = []
    for value in values:
        ident = parse_id(value)
        if ident is None:
            bad.append(value[:20])
        else:
            ids.append(ident)
    if bad:
        raise Refused(
            "Invalid selection", [f"“{b}” is not an item id." for b in bad[:5]], 422, "invalid"
        )
    return tuple(dict.fromkeys(ids))


def target(user: User, selection: Selection, cap: int) -> Target:
    """The items a bulk delete takes: visible to ``user``, at most ``cap`` of them.

    :raises Refused: nothing selected, nothing left, or more than ``cap`` items.
    """
    if selection.every:
        query = services.matching(user, selection.wanted)
    elif selection.ids:
        query = services.matching(user, services.ItemFilter()).where(Item.id.in_(selection.ids))
    else:
        raise Refused("Nothing selected", ["Tick the items to delete first."], 422, "empty")
    asked = None if selection.every else len(selection.ids)
    return measure(query, cap, noun="items", asked=asked)
