"""The labels of the rows deletions still hold in the trash, for the views' trash and log and
the API's trash ("Write spec, and its comment" rather than "1 Item, 1 Comment"): the first few
per (deletion, model), one statement per model the page's deletions hold — never per
deletion or per row — and only rows the actor may see (``Access.visible``): a deletion an
actor reads may also hold rows they may not, which it must not name."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, or_, select

from .access import where_all
from .core.inspect_rows import label_text

LABEL_MAX = 200
"""Characters of a row's label shown and recorded (a flash message travels in the session
cookie, which browsers drop past 4 KB: a long comment body would lose the Undo notice)."""


def shortened(label: str) -> str:
    """``label`` cut to :data:`LABEL_MAX` characters (an ellipsis saying so)."""
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def held_labels(
    session: Any,
    state: Any,
    actor: Any,
    held: Mapping[str, Sequence[int]],
    shown: int,
) -> dict[tuple[int, str], list[str]]:
    """``{(op id, model): labels}`` for ``held`` (``{model: deletions holding its rows}``),
    the rows ``actor`` may see by ``state.access`` (the views' or the API's state, with its
    ``tombstone``). Models whose rows have no label but their key, or that are not kept in
    the trash, are left out; a row whose label is empty is named "Note 3"."""
    found: dict[tuple[int, str], list[str]] = {}
    nodes = state.tombstone.graph.nodes_by_name()
    for name in sorted(held):
        node = nodes.get(name)
        if node is None or not node.soft or node.label_column is node.pk:
            continue
        if node.label_column.table is not node.table:  # a joined-inheritance table's
            continue
        stamp = node.col("deleted_by_op")
        rank = func.row_number().over(partition_by=stamp, order_by=node.pk).label("rank")
        ranked = (
            select(stamp.label("op"), node.pk.label("key"), node.label_column.label("label"), rank)
            .where(stamp.in_(held[name]), node.col("deleted_at").is_not(None))
            .where(*where_all(state.access.visible(actor, node.cls)))
            .subquery()
        )
        query = (
            select(ranked.c.op, ranked.c.key, ranked.c.label)
            .where(ranked.c.rank <= shown)
            .order_by(ranked.c.op, ranked.c.rank)
            .execution_options(include_deleted=True)
        )
        for op_id, key, label in session.execute(query):
            found.setdefault((int(op_id), name), []).append(shortened(label_text(node, key, label)))
    return found


def context_contains(text: str) -> ColumnElement[bool]:
    """An operation whose recorded context holds ``text``: as typed, or as JSON writes it
    (SQLAlchemy's JSON type escapes what is not ASCII: "Crème" is stored ``Cr\\u00e8me``)."""
    from .core.records import Operation

    stored = cast(Operation.context, Text)
    escaped = json.dumps(text)[1:-1]
    forms = [stored.contains(form, autoescape=True) for form in dict.fromkeys((text, escaped))]
    return or_(*forms)
