"""Preview and delete any Taskboard row (or a bulk selection), through the engine.

Services never commit: the view commits once, after the service returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_tombstone import (
    AlreadyGone,
    Blocked,
    Conflict,
    DatabaseFailure,
    InvalidTarget,
    NotFound,
    Operation,
    PlanChanged,
    Preview,
    Protected,
    Settled,
    TombstoneError,
)
from taskboard.auth.services import close_deleted_accounts
from taskboard.extensions import tombstone
from taskboard.models import User
from taskboard.operations.scope import projects_touched, record_scope

from . import explain
from .errors import Refused

REASON_LENGTH = 500


@dataclass(frozen=True)
class DeleteCommand:
    """One delete as asked: a loaded row or a ``select()`` of one model (bulk)."""

    target: Any
    actor: User
    reason: str = ""
    hard: bool = False
    token: str = ""


def preview(target: Any, actor: User, *, hard: bool = False) -> Preview:
    """What deleting ``target`` would take along, what blocks it, and the confirm token."""
    if hard and not actor.is_admin:
        raise Refused("Permanent deletion is for admins", ["Only admins delete permanently."], 403)
    try:
        plan: Preview = tombstone.preview(target, actor=actor, hard=hard)
    except TombstoneError as error:
        raise refusal(error) from error
    return plan


def delete(command: DeleteCommand) -> Operation:
    """Delete as the command says; returns the operation (the engine's log record).

    :raises Refused: with every reason: permissions, a missing reason for a permanent
        deletion, blockers, a plan that changed since the preview, a row already gone.
    """
    _check(command)
    project_ids = projects_touched(command.target)
    try:
        operation: Operation = tombstone.delete(
            command.target,
            actor=command.actor,
            reason=command.reason.strip() or None,
            hard=command.hard,
            expect=command.token or None,
            context={"project_ids": project_ids},
        )
    except TombstoneError as error:
        raise refusal(error) from error
    record_scope(operation.id, project_ids)
    if operation.counts.get("User"):
        # A deleted account's cookies and tokens end with it, not only while it is trashed.
        close_deleted_accounts(operation.id)
    return operation


def _check(command: DeleteCommand) -> None:
    reasons: list[str] = []
    status = 422
    if command.hard and not command.actor.is_admin:
        reasons.append("Only admins delete permanently.")
        status = 403
    if command.hard and not command.reason.strip():
        reasons.append("Say why: a permanent deletion needs a reason, kept in the log.")
    if len(command.reason) > REASON_LENGTH:
        reasons.append(f"Keep the reason under {REASON_LENGTH} characters.")
    if reasons:
        raise Refused("This deletion cannot go ahead", reasons, status, "invalid")


def refusal(error: TombstoneError) -> Refused:
    """The engine's error as a :class:`Refused`, every blocker or conflict in plain words."""
    if isinstance(error, Blocked):
        reasons = [explain.blocker(b) for b in error.blockers]
        hidden = error.total - len(error.blockers)
        if hidden > 0:
            reasons.append(f"…and {hidden} more.")
        return Refused("This cannot be deleted yet", reasons, 409, "blocked")
    if isinstance(error, PlanChanged):
        return Refused(
            "Something changed since you looked",
            ["What this would delete changed since the preview. Review it and confirm again."],
            409,
            "changed",
        )
    if isinstance(error, Settled):
        done = "undone" if error.kind == "restore" else "purged for good"
        return Refused(
            "Already done", [f"This deletion was already {done}, just now."], 409, "settled"
        )
    if isinstance(error, Conflict):
        reasons = [explain.conflict(c) for c in error.conflicts] or [error.detail]
        return Refused("This cannot be done as things are now", reasons, 409, "conflict")
    if isinstance(error, AlreadyGone):
        return Refused(
            "Already deleted",
            ["Someone deleted this before you did: it is in the trash."],
            409,
            "gone",
        )
    if isinstance(error, NotFound):
        return Refused("Nothing to delete", ["Nothing matches any more."], 404, "not_found")
    if isinstance(error, Protected):
        return Refused("Protected", ["These records are never deleted."], 403, "protected")
    if isinstance(error, InvalidTarget):
        return Refused("Nothing to delete", [error.detail or "Nothing was selected."], 422)
    if isinstance(error, DatabaseFailure):
        return Refused("The database refused", ["Nothing was changed. Try again in a moment."], 503)
    return Refused(error.title, [error.detail], error.status)
