"""What the confirmation pages share, one row's and a bulk selection's: the reason read from
the form, the deletion of exactly what was previewed with its refusals in plain words, the
notice afterwards, and where to go then."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request
from flask.typing import ResponseReturnValue

from flask_tombstone import acting
from flask_tombstone.core.errors import AlreadyGone, Blocked, NotFound, PlanChanged, Protected
from flask_tombstone.core.records import Operation, OperationKind

from . import describe
from .i18n import _
from .state import db_session, safe_next, views

REASON_MAX = 500


class Refusal(Exception):
    """The confirmation page again, with why the deletion did not go ahead (nothing did)."""

    def __init__(self, problems: list[str], status: int) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.status = status


class Gone(Exception):
    """Someone else deleted it first."""


def blocked_reasons(blocked: Blocked) -> list[str]:
    reasons = [describe.blocker(b) for b in blocked.blockers]
    hidden = blocked.total - len(blocked.blockers)
    if hidden > 0:
        reasons.append(_("…and %(n)s more.", n=describe.number(hidden)))
    return reasons


def delete_confirmed(
    target: Any, actor: Any, context: dict[str, Any] | None = None, *, hard: bool = False
) -> Operation:
    """Delete ``target`` as the confirmation form asks (its reason and confirm token) and
    commit; on a refusal roll back and raise :class:`Refusal` or :class:`Gone` (a protected
    model is 403). ``hard``: permanently, which needs a reason."""
    reason = request.form.get("reason", "").strip()
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise Refusal([_("A reason is at most %(n)s characters.", n=REASON_MAX)], 422)
    if hard and not reason:
        raise Refusal([_("Say why: a permanent deletion cannot be undone.")], 422)
    token = request.form.get("token", "")
    if not token:  # a deletion takes exactly what its confirmation page showed, or nothing
        raise Refusal([_("Confirm on the confirmation page: the form had no token.")], 422)
    session = db_session()
    try:
        state = views()
        op = acting.delete(
            state.tombstone,
            state.access,
            target,
            actor,
            reason=reason or None,
            expect=token,
            context=context,
            hard=hard,
        )
    except PlanChanged:
        session.rollback()
        problem = _("What this would delete changed since you looked. Review it and confirm again.")
        raise Refusal([problem], 409) from None
    except Blocked as blocked:
        session.rollback()
        raise Refusal(blocked_reasons(blocked), 409) from None
    except (AlreadyGone, NotFound):
        session.rollback()
        raise Gone() from None
    except Protected:
        session.rollback()
        abort(403)
    session.commit()
    return op


def announce(op: Operation, message: str) -> ResponseReturnValue:
    """The notice of a done deletion (with Undo when it went to the trash), then ``next``."""
    flash(message, f"tombstone-undo:{op.id}" if op.kind == OperationKind.DELETE else "success")
    return go(next_url())


def in_dialog() -> bool:
    """Whether htmx fetched this confirmation page into the dialog (tombstone.js)."""
    return request.headers.get("HX-Target") == "tombstone-dialog-body"


def go(url: str) -> ResponseReturnValue:
    """After a POST: see ``url`` (303); from the dialog, htmx navigates there instead of
    swapping that page into the dialog, and the notice's Undo then has the focus."""
    if in_dialog():
        return "", 200, {"HX-Redirect": url}
    return redirect(url, 303)


def next_url() -> str:
    """Where to go back to: a safe ``next``, else ``TOMBSTONE_VIEWS_HOME``."""
    return safe_next(request.values.get("next")) or current_app.config["TOMBSTONE_VIEWS_HOME"]
