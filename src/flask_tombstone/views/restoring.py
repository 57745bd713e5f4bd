"""Restoring a deletion from the views: with the deletions of the parents its rows need
(``with_parents``, when the actor may restore each of them), and, when it cannot come back,
why in plain words with what can be done: "Restore with ..." for parents in the trash, a link
to a live row that took a unique value (``DeletionViews(row_url=...)``)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from flask_tombstone import acting
from flask_tombstone.core.errors import Conflict, RestoreConflict
from flask_tombstone.core.records import Operation

from . import describe
from .i18n import _
from .listing import trashed_labels
from .state import db_session, views


def restore_deletion(op_id: int, actor: Any, *, with_parents: bool) -> list[Operation]:
    """Restore deletion ``op_id``; ``with_parents``: with the deletions that trashed the
    parents its rows need, when the actor may restore every one of them (else as if not
    asked). The parents' deletions brought back."""
    state = views()
    if not with_parents:
        acting.restore(state.tombstone, state.access, op_id, actor)
        return []
    _, restores = acting.restore_with_parents(state.tombstone, state.access, op_id, actor)
    session = db_session()
    return [op for r in restores if (op := session.get(Operation, r.ref_op)) is not None]


def names(ops: list[Operation]) -> str:
    labels = trashed_labels(ops)
    names = [describe.what(op, labels) for op in ops]
    if len(names) == 1:
        return names[0]
    return _("%(list)s and %(last)s", list=", ".join(names[:-1]), last=names[-1])


def refused(op: Operation, error: Conflict, actor: Any, back: str) -> ResponseReturnValue:
    """Why the deletion cannot come back, each conflict in words (with a link to a live row
    that took a unique value, when the app says where rows are shown), and, when only
    parents in the trash stand in the way and the actor may restore their deletions, a
    "Restore with ..." button."""
    state = views()
    session = db_session()
    ids = sorted(
        {
            c.other_operation
            for c in error.conflicts
            if c.reason == "parent_in_trash" and c.other_operation is not None
        }
    )
    only_parents = bool(ids) and all(c.reason == "parent_in_trash" for c in error.conflicts)
    offer = None
    if only_parents and request.form.get("with_parents") != "1":
        parents = list(session.scalars(select(Operation).where(Operation.id.in_(ids))))
        if len(acting.may_restore(state.tombstone, state.access, actor, ids)) == len(ids):
            offer = names(parents)
    reasons = [(describe.conflict(c), conflict_link(c)) for c in error.conflicts]
    page = render_template(
        "tombstone/refused.html",
        title=_(
            "%(what)s cannot be restored yet",
            what=describe.first_upper(describe.what(op, trashed_labels([op]))),
        ),
        reasons=reasons,
        op=op,
        offer=offer,
        back=back,
    )
    return page, 409


def conflict_link(item: RestoreConflict) -> tuple[str, str] | None:
    """Where the live row that took a unique value is shown, and its name."""
    state = views()
    other = item.other
    if item.reason != "unique" or other is None or other.id is None or state.row_url is None:
        return None  # (no id: a row the actor may not see)
    node = state.tombstone.graph.nodes_by_name().get(other.model)
    if node is None:
        return None
    url = state.row_url(node.cls, other.id)
    if not url:
        return None
    return url, _("Go to %(what)s “%(label)s”", what=describe.noun(other.model), label=other.label)
