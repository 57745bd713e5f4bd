"""An account's deletion page: the preview, then the delete, through the engine.

Accounts are Taskboard's own business (the last admin stays, one's own deletion logs one out
and offers no Undo, admins may delete one permanently with ``?hard=1``), so this page is not
one of the extension's; its look is (the preview is the extension's
``tombstone/_preview.html``) and so is the notice with Undo.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue

from flask_tombstone.views import describe
from taskboard.access.current import me
from taskboard.deletion import explain, services
from taskboard.deletion.errors import Refused
from taskboard.extensions import db
from taskboard.models import User
from taskboard.ui import redirect_to

from .forms import AccountDeleteForm


def confirm_account_deletion(
    user: User,
    *,
    back_url: str,
    done_url: str,
    undo: bool,
    after: Callable[[], None] | None = None,
) -> ResponseReturnValue:
    """GET: what deleting ``user`` would take along. POST: delete exactly that, or say why
    not (a refusal is the page again, with every reason)."""
    form = AccountDeleteForm()
    hard = request.values.get("hard") == "1"
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return _page(user, form, back_url, hard)
    if not form.validate_on_submit():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return _page(user, form, back_url, hard, problems=problems, status=422)
    command = services.DeleteCommand(
        target=user,
        actor=me(),
        reason=form.reason.data or "",
        hard=hard,
        token=form.token.data or "",
    )
    try:
        operation = services.delete(command)
    except Refused as refused:
        db.session.rollback()
        if refused.code in ("gone", "not_found") or refused.status == 403:
            raise
        return _page(user, form, back_url, hard, problems=refused.reasons, status=refused.status)
    db.session.commit()
    if after is not None:
        after()
    if hard:
        flash(f"Deleted account “{user.username}” for good.", "success")
    else:
        message = f"Deleted account “{user.username}”."
        flash(message, f"tombstone-undo:{operation.id}" if undo else "success")
    return redirect_to(done_url, form.next.data)


def _page(
    user: User,
    form: AccountDeleteForm,
    back_url: str,
    hard: bool,
    *,
    problems: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    preview = services.preview(user, me(), hard=hard)
    form.token.data = preview.token
    page = render_template(
        "settings/delete.html",
        user=user,
        form=form,
        preview=preview,
        problems=problems or [],
        blockers=[explain.blocker(b) for b in preview.blockers],
        hidden_blockers=preview.blocker_count - len(preview.blockers),
        others={k: v for k, v in preview.counts.items() if k != "User" and v},
        soft=not hard,
        hard=hard,
        can_hard=me().is_admin,
        describe=describe,
        back_url=back_url,
    )
    return page, status
