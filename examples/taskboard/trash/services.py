"""The trash: what each user may restore, what each deletion holds, restore and purge.

Never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select

from flask_tombstone import Conflict, PurgeReport, TombstoneError
from taskboard.access.operations import purgeable, readable, restorable
from taskboard.deletion.errors import Refused
from taskboard.deletion.services import refusal
from taskboard.extensions import db, tombstone
from taskboard.models import Comment, Item, Operation, Project, Tag, User
from taskboard.operations.scope import record_scope, scope_of

SAMPLES = 3
MAX_DEPTH = 5
LABELS: dict[str, tuple[type, ColumnElement[str]]] = {
    "Project": (Project, Project.name),  # type: ignore[dict-item]
    "Item": (Item, Item.name),  # type: ignore[dict-item]
    "Comment": (Comment, Comment.body),  # type: ignore[dict-item]
    "Tag": (Tag, Tag.name),  # type: ignore[dict-item]
    "User": (User, User.username),  # type: ignore[dict-item]
}  # {model name: (model, label column)}


@dataclass(frozen=True)
class RestoreCommand:
    op_id: int
    actor: User
    with_parents: bool = False


@dataclass(frozen=True)
class PurgeCommand:
    op_id: int
    actor: User
    reason: str


def listing(user: User, model: str = "") -> Select[Operation]:
    query = tombstone.trash().where(restorable(user))
    if model:
        query = query.where(Operation.root_model == model)
    return query


def holdings(operations: Iterable[Operation]) -> dict[int, dict[str, list[str]]]:
    """A few labels of what each deletion holds: one query per kind of row, not per row."""
    ops = list(operations)
    found: dict[int, dict[str, list[str]]] = {op.id: {} for op in ops}  # {op: {model: labels}}
    for name in sorted({m for op in ops for m in op.counts}):
        if name not in LABELS:
            continue
        model, label = LABELS[name]
        stamp = model.deleted_by_op  # type: ignore[attr-defined]
        rank = func.row_number().over(partition_by=stamp, order_by=model.id).label("rank")  # type: ignore[attr-defined]
        ranked = (
            select(stamp.label("op_id"), label.label("label"), rank)
            .where(stamp.in_([op.id for op in ops if op.counts.get(name)]))
            .subquery()
        )
        query = (
            select(ranked.c.op_id, ranked.c.label)
            .where(ranked.c.rank <= SAMPLES)
            .order_by(ranked.c.op_id, ranked.c.rank)
            .execution_options(include_deleted=True)
        )
        for op_id, text in db.session.execute(query):
            found[int(op_id)].setdefault(name, []).append(str(text))
    return found


def reachable(op_id: int, user: User, *, purge: bool = False) -> Operation:
    """Operation ``op_id``, if ``user`` may restore it (or purge it).

    One rule for the HTML trash, Undo and the API: what is not in the user's log does not
    exist for them; what is, they see, so a refusal to act on it says so.

    :raises Refused: 404 when it is unknown or not in the user's log; 403 when it is in their
        log but not theirs to restore (purge: admins only).
    """
    op = db.session.scalar(select(Operation).where(Operation.id == op_id, readable(user)))
    if op is None:
        raise Refused("Not found", ["There is no such deletion in your trash."], 404, "not_found")
    allowed = purgeable(user) if purge else restorable(user)
    if db.session.scalar(select(Operation.id).where(Operation.id == op_id, allowed)) is None:
        what = "purge" if purge else "restore"
        raise Refused(
            "Not allowed",
            [f"You may see this operation in the log, but not {what} it."],
            403,
            "forbidden",
        )
    return op


def find(op_id: int, user: User, *, purge: bool = False) -> Operation:
    """The deletion ``op_id`` if ``user`` may restore (or purge) it and it is in the trash.

    :raises Refused: 404 or 403 as :func:`reachable` says; 409, in plain words, when it is not
        a deletion or was already restored or purged.
    """
    op = reachable(op_id, user, purge=purge)
    if op.kind != "delete":
        raise Refused(
            "Nothing to restore",
            [
                "Only deletions to the trash can be undone; this entry is a "
                f"{op.kind.replace('_', ' ')}."
            ],
            409,
            "not_deletion",
        )
    settled = db.session.scalar(
        select(Operation)
        .where(
            Operation.ref_op == op.id,
            Operation.kind.in_(("restore", "purge")),
            Operation.status == "done",
        )
        .order_by(Operation.id)
    )
    if settled is not None:
        done = "undone" if settled.kind == "restore" else "purged for good"
        raise Refused(
            "Already done",
            [f"This deletion was already {done} (on {settled.created_at:%Y-%m-%d %H:%M} UTC)."],
            409,
            "settled",
        )
    return op


def restore(command: RestoreCommand, depth: int = 0) -> list[Operation]:
    """Bring back exactly what deletion ``op_id`` removed; with ``with_parents``, first the
    deletions its rows depend on, each checked against the user's scope.

    :raises Refused: with every conflict in plain words, and the deletions that could be
        restored together (if the user may restore them).
    """
    op = find(command.op_id, command.actor)
    project_ids = scope_of(op.id)
    done: list[Operation] = []
    try:
        restored = _restore_one(op, command.actor, project_ids)
    except Conflict as error:
        parents = sorted(
            {
                c.other_operation
                for c in error.conflicts
                if c.reason == "parent_in_trash" and c.other_operation is not None
            }
        )
        only_parents = bool(parents) and all(c.reason == "parent_in_trash" for c in error.conflicts)
        refused = refusal(error)
        refused.retry_with_parents = parents if _may_restore(command.actor, parents) else []
        if not (command.with_parents and only_parents and depth < MAX_DEPTH):
            raise refused from error
        if not refused.retry_with_parents:
            raise refused from error
        for parent in parents:
            done += restore(RestoreCommand(parent, command.actor, True), depth + 1)
        try:
            restored = _restore_one(op, command.actor, project_ids)
        except TombstoneError as again:
            raise refusal(again) from again
    except TombstoneError as error:
        raise refusal(error) from error
    return [*done, restored]


def _restore_one(op: Operation, actor: User, project_ids: list[int]) -> Operation:
    restored = tombstone.restore(op.id, actor=actor, context={"project_ids": project_ids})
    record_scope(restored.id, project_ids)
    return restored


def _may_restore(user: User, op_ids: list[int]) -> bool:
    if not op_ids:
        return False
    query = select(func.count()).where(Operation.id.in_(op_ids), restorable(user))
    return db.session.scalar(query) == len(op_ids)


def purge(command: PurgeCommand) -> PurgeReport:
    """Remove deletion ``op_id``'s rows for good (admins; a reason is required)."""
    op = find(command.op_id, command.actor, purge=True)  # 404 / 403 first: no leak
    if not command.reason.strip():
        raise Refused("A reason is required", ["Say why: purges are permanent."], 422, "invalid")
    project_ids = scope_of(op.id)
    try:
        report = tombstone.purge(
            op.id,
            actor=command.actor,
            reason=command.reason.strip(),
            context={"project_ids": project_ids},
        )
    except TombstoneError as error:
        raise refusal(error) from error
    for purged in report.operations:
        if purged.purge_op_id is not None:
            record_scope(purged.purge_op_id, project_ids)
    return report
