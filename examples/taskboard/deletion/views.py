"""The confirmation page and the delete POST, shared by every kind of row.

A feature's view loads the row through its scoped loader, checks the delete rule (both
declared with ``@load``) and hands over to :func:`confirm_delete` with a :class:`Subject`.
Without JavaScript: a page, a form, a redirect with an Undo notice. With htmx: the same
page's body in a dialog, the row removed in place, an undo toast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue

from flask_tombstone import Operation, Preview
from taskboard.access.current import me
from taskboard.extensions import db
from taskboard.security import safe_next
from taskboard.ui import flash_undo, is_htmx, redirect_to, wants_json

from . import explain, services
from .errors import Refused
from .forms import DeleteForm


@dataclass(frozen=True)
class Subject:
    """How the confirmation page talks about what is being deleted."""

    target: Any  # a row, or a select() of one model (bulk)
    model: str  # model name ("Item")
    label: str | None  # the row's name; None for a bulk selection
    action_url: str  # where the form posts (this page)
    back_url: str  # Cancel
    done_url: str  # where to go afterwards (the row no longer exists)
    dom_id: str | None = None  # the list row htmx removes
    hidden: tuple[tuple[str, str], ...] = ()  # extra fields the POST repeats (bulk selection)
    notes: tuple[str, ...] = ()  # shown above the preview (e.g. rows no longer there)
    undo: bool = True  # offer Undo afterwards (not for one's own account: it is logged out)
    after: Callable[[Operation], None] | None = None  # runs after the commit


def confirm_delete(subject: Subject) -> ResponseReturnValue:
    """GET: the preview. POST: delete exactly what was previewed, or say why not."""
    user = me()
    hard = request.values.get("hard") == "1"
    form = DeleteForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return _page(subject, form, hard)
    if not form.validate_on_submit():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        invalid = Refused("This deletion cannot go ahead", problems, 422, "invalid")
        if wants_json():
            raise invalid
        return _page(subject, form, hard, refused=invalid, status=422)
    command = services.DeleteCommand(
        target=subject.target,
        actor=user,
        reason=form.reason.data or "",
        hard=hard,
        token=form.token.data or "",
    )
    try:
        operation = services.delete(command)
    except Refused as refused:
        db.session.rollback()
        if refused.code in ("gone", "not_found") or wants_json():
            raise
        return _page(subject, form, hard, refused=refused, status=refused.status)
    db.session.commit()
    if subject.after is not None:
        subject.after(operation)
    return _deleted(subject, operation, hard, form.next.data)


def _page(
    subject: Subject,
    form: DeleteForm,
    hard: bool,
    *,
    refused: Refused | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    preview: Preview = services.preview(subject.target, me(), hard=hard)
    form.token.data = preview.token
    form.hard.data = "1" if hard else ""
    context = {
        "subject": subject,
        "form": form,
        "preview": preview,
        "hard": hard,
        "refused": refused,
        "explain": explain,
        "can_hard": me().is_admin,
        "inline": is_htmx() and subject.dom_id is not None,
    }
    if is_htmx():
        headers = {}
        if request.method == "POST":
            headers = {"HX-Retarget": "#dialog-body", "HX-Reswap": "innerHTML"}
        return render_template("deletion/_confirm.html", **context), status, headers
    return render_template("deletion/confirm.html", **context), status


def _deleted(
    subject: Subject, operation: Operation, hard: bool, next_url: str | None
) -> ResponseReturnValue:
    what = explain.summary(subject.model, subject.label, operation.counts)
    message = f"{'Permanently deleted' if hard else 'Deleted'} {what}."
    if is_htmx() and subject.dom_id is not None:
        toast = render_template(
            "_toast.html",
            title=message,
            reasons=[],
            level="success",
            undo=None if hard or not subject.undo else operation.id,
            next_url=safe_next(next_url) or subject.done_url,
        )
        trigger = json.dumps({"taskboard:deleted": {"id": subject.dom_id}})
        return (
            f'<div id="toasts" hx-swap-oob="beforeend">{toast}</div>',
            200,
            {"HX-Trigger": trigger},
        )
    if hard or not subject.undo:
        flash(message, "success")
    else:
        flash_undo(operation.id, message)
    return redirect_to(subject.done_url, next_url)
