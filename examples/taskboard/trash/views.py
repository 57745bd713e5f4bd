"""The trash page, restore and purge."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from taskboard.access.current import me
from taskboard.deletion import explain
from taskboard.deletion.errors import Refused
from taskboard.extensions import db, destructive_limit
from taskboard.operations.services import actor_names
from taskboard.typed import login_required
from taskboard.ui import flash_form_errors, is_htmx, paginate, redirect_to

from . import services
from .forms import PurgeForm, RestoreForm, TrashFilterForm

bp = Blueprint("trash", __name__, url_prefix="/trash")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    form = TrashFilterForm(request.args)
    model = form.model.data if form.validate() and form.model.data else ""
    page = paginate(services.listing(me(), model))
    return render_template(
        "trash/index.html",
        page=page,
        form=form,
        holdings=services.holdings(page.items),
        names=actor_names(page.items),
        explain=explain,
        restore_form=RestoreForm(),
        purge_form=PurgeForm(),
    )


@bp.post("/<id:op_id>/restore")
@login_required
@destructive_limit
def restore(op_id: int) -> ResponseReturnValue:
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    return restore_operation(
        op_id, with_parents=form.with_parents.data == "1", next_url=form.next.data
    )


def restore_operation(
    op_id: int, *, with_parents: bool, next_url: str | None
) -> ResponseReturnValue:
    """Restore (or undo) deletion ``op_id`` and say what came back; shared with Undo."""
    try:
        restored = services.restore(services.RestoreCommand(op_id, me(), with_parents))
    except Refused as refused:
        db.session.rollback()
        return render_template(
            "trash/refused.html",
            refused=refused,
            op_id=op_id,
            form=RestoreForm(),
            next_url=next_url or "",
        ), refused.status
    db.session.commit()
    for operation in restored:
        flash(f"Restored {explain.counted(operation.counts)}.", "success")
    if is_htmx():
        return "", 200, {"HX-Refresh": "true"}
    return redirect_to(url_for("trash.index"), next_url)


@bp.post("/<id:op_id>/purge")
@login_required
@destructive_limit
def purge(op_id: int) -> ResponseReturnValue:
    # Before the form: not in your log is 404, in it but not yours to purge (members) 403.
    services.reachable(op_id, me(), purge=True)
    form = PurgeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect_to(url_for("trash.index"))
    try:
        report = services.purge(services.PurgeCommand(op_id, me(), form.reason.data or ""))
    except Refused as refused:
        db.session.rollback()
        return render_template(
            "trash/refused.html", refused=refused, op_id=op_id, form=RestoreForm(), next_url=""
        ), refused.status
    db.session.commit()
    flash(f"Purged {explain.counted(report.counts())} for good.", "success")
    return redirect_to(url_for("trash.index"))
