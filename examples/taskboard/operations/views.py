"""The operations log, and Undo."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from taskboard.access.current import me
from taskboard.access.rows import scoped
from taskboard.deletion import explain
from taskboard.extensions import db, destructive_limit
from taskboard.formkit import choices
from taskboard.models import Project
from taskboard.security import parse_id
from taskboard.trash.views import restore_operation
from taskboard.typed import login_required
from taskboard.ui import paginate

from . import services
from .forms import LogFilterForm, UndoForm

bp = Blueprint("operations", __name__, url_prefix="/operations")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    user = me()
    form = LogFilterForm(request.args)
    projects = db.session.execute(
        scoped(Project, user).with_only_columns(Project.id, Project.name).order_by(Project.name)
    ).all()
    form.project.choices = choices([("", "All projects"), *((str(i), n) for i, n in projects)])
    form.validate()

    def ok(name: str) -> str:
        value = form[name].data
        return str(value) if value and not form[name].errors else ""

    wanted = services.LogFilter(
        kind=ok("kind"), model=ok("model"), actor=ok("actor"), project_id=parse_id(ok("project"))
    )
    page = paginate(services.listing(user, wanted))
    return render_template(
        "operations/index.html",
        page=page,
        form=form,
        names=services.actor_names(page.items),
        undoable=services.undoable(user, [op.id for op in page.items]),
        describe_target=services.describe_target,
        kind_words=services.KIND_WORDS,
        explain=explain,
        undo_form=UndoForm(),
    )


@bp.post("/<id:op_id>/undo")
@login_required
@destructive_limit
def undo(op_id: int) -> ResponseReturnValue:
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    return restore_operation(op_id, with_parents=False, next_url=form.next.data)
