"""Reading the operations log, scoped to what each user may read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, false, select

from taskboard.access.operations import readable, restorable
from taskboard.extensions import db, tombstone
from taskboard.models import Operation, OperationProject, User

KIND_WORDS = {
    "delete": "deleted",
    "hard_delete": "permanently deleted",
    "restore": "restored",
    "purge": "purged",
}


@dataclass(frozen=True)
class LogFilter:
    kind: str = ""
    model: str = ""
    actor: str = ""  # a username
    project_id: int | None = None


def listing(user: User, wanted: LogFilter) -> Select[Operation]:
    query = tombstone.operations().where(readable(user))
    if wanted.kind:
        query = query.where(Operation.kind == wanted.kind)
    if wanted.model:
        query = query.where(Operation.root_model == wanted.model)
    if wanted.actor:
        account = db.session.scalar(
            select(User.id)
            .where(User.username == wanted.actor)
            .execution_options(include_deleted=True)
        )
        query = query.where(Operation.actor == f"user:{account}" if account else false())
    if wanted.project_id is not None:
        touched = select(OperationProject.op_id).where(
            OperationProject.project_id == wanted.project_id
        )
        query = query.where(Operation.id.in_(touched))
    return query


def undoable(user: User, op_ids: Iterable[int]) -> set[int]:
    """Of ``op_ids``, the deletions still in the trash that ``user`` may restore."""
    ids = list(op_ids)
    if not ids:
        return set()
    query = (
        tombstone.trash()
        .where(Operation.id.in_(ids), restorable(user))
        .with_only_columns(Operation.id)
        .order_by(None)
    )
    return {int(i) for i in db.session.scalars(query)}


def actor_names(operations: Iterable[Operation]) -> dict[str, str]:
    """``{"user:3": "ann"}`` for the actors of ``operations`` (deleted accounts included)."""
    actors = {op.actor for op in operations if op.actor}
    ids = {int(a[5:]) for a in actors if a.startswith("user:") and a[5:].isdigit()}
    names = {a: a for a in actors}
    if ids:
        query = (
            select(User.id, User.username)
            .where(User.id.in_(ids))
            .execution_options(include_deleted=True)
        )
        names.update({f"user:{i}": name for i, name in db.session.execute(query)})
    return names


def describe_target(op: Operation) -> str:
    """What an operation was asked to act on, briefly."""
    target = op.target or {}
    if "operation" in target:
        return f"deletion #{target['operation']}"
    if "ids" in target:
        ids = target["ids"]
        shown = ", ".join(f"#{i}" for i in ids[:5])
        return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    if "filter" in target:
        return "a filtered selection"
    return ""
