"""The views: parse, authorize, call the engine, render. Answers follow one rule: what the
actor may not see is 404, what they see but may not do is 403, a conflict with the data is
409 with every reason in plain words, an unavailable database 503 with ``Retry-After``."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError

from flask_tombstone.access import where_all
from flask_tombstone.core.errors import (
    AlreadyGone,
    Blocked,
    Conflict,
    DatabaseFailure,
    InvalidTarget,
    NotFound,
    PlanChanged,
    Protected,
    Settled,
    TombstoneError,
)
from flask_tombstone.core.keys import key_value
from flask_tombstone.core.records import Operation
from flask_tombstone.core.sql import dialect_name

from . import describe
from .bulk import bulk
from .csrf import check_csrf
from .i18n import _
from .listing import log_page, trash_page, trashed_labels
from .state import db_session, safe_next, views

REASON_MAX = 500


def route(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/<slug>/<key>/delete", "confirm", confirm, methods=["GET", "POST"])
    blueprint.add_url_rule("/operations/<tombstone_id:op_id>/undo", "undo", undo, methods=["POST"])
    blueprint.add_url_rule("/trash", "trash", trash_page)
    blueprint.add_url_rule(
        "/trash/<tombstone_id:op_id>/restore", "restore", restore, methods=["POST"]
    )
    blueprint.add_url_rule("/trash/<tombstone_id:op_id>/purge", "purge", purge, methods=["POST"])
    blueprint.add_url_rule("/operations", "log", log_page)
    blueprint.add_url_rule("/<slug>/bulk-delete", "bulk", bulk, methods=["GET", "POST"])
    blueprint.register_error_handler(DatabaseFailure, _unavailable)
    blueprint.register_error_handler(DBAPIError, _unavailable)  # e.g. the database is down


# -- delete ----------------------------------------------------------------------------------
def confirm(slug: str, key: str) -> ResponseReturnValue:
    """GET: what deleting the row would do. POST: delete exactly that, or say why not."""
    state = views()
    actor = state_actor()
    model = state.models.get(slug)
    if model is None:
        abort(404)
    row = _load(model, key, actor)
    label = _label(row)
    if request.method == "GET":
        return _confirm_page(row, label, actor)
    check_csrf()
    reason = request.form.get("reason", "").strip()
    if len(reason) > REASON_MAX or "\x00" in reason:
        problem = _("A reason is at most %(n)s characters.", n=REASON_MAX)
        return _confirm_page(row, label, actor, problems=[problem], status=422)
    try:
        op = state.tombstone.delete(
            row,
            actor=actor,
            reason=reason or None,
            expect=request.form.get("token") or None,
            context={"label": label},
        )
    except PlanChanged:
        db_session().rollback()
        problem = _("What this would delete changed since you looked. Review it and confirm again.")
        return _confirm_page(row, label, actor, problems=[problem], status=409)
    except Blocked as blocked:
        db_session().rollback()
        return _confirm_page(row, label, actor, status=409, problems=blocked_reasons(blocked))
    except (AlreadyGone, NotFound):
        db_session().rollback()
        flash(_("Someone deleted this before you did."), "warning")
        return _go(_next())
    except Protected:
        db_session().rollback()
        abort(403)
    db_session().commit()
    message = (
        _("Deleted %(what)s.", what=describe.counted(op.counts, first=op.root_model))
        if not label
        else _("Deleted %(what)s “%(label)s”.", what=describe.noun(op.root_model), label=label)
    )
    node = state.tombstone.graph.governing(model)
    flash(message, f"tombstone-undo:{op.id}" if node.soft else "success")
    return _go(_next())


def _go(url: str) -> ResponseReturnValue:
    """After a POST: see ``url`` (303); from the dialog, htmx navigates there instead of
    swapping that page into the dialog, and the notice's Undo then has the focus."""
    if in_dialog():
        return "", 200, {"HX-Redirect": url}
    return redirect(url, 303)


def in_dialog() -> bool:
    """Whether htmx fetched this confirmation page into the dialog (tombstone.js)."""
    return request.headers.get("HX-Target") == "tombstone-dialog-body"


def _confirm_page(
    row: Any, label: str, actor: Any, *, problems: list[str] | None = None, status: int = 200
) -> ResponseReturnValue:
    state = views()
    preview = state.tombstone.preview(row, actor=actor)
    node = state.tombstone.graph.governing(type(row))
    page = render_template(
        "tombstone/confirm.html",
        row=row,
        label=label,
        model=node.name,
        soft=node.soft,
        preview=preview,
        others={k: v for k, v in preview.counts.items() if k != node.name and v},
        blockers=[describe.blocker(b) for b in preview.blockers],
        hidden_blockers=preview.blocker_count - len(preview.blockers),
        problems=problems or [],
        next_url=_next(),
        describe=describe,
        dialog=in_dialog(),
    )
    return page, status


def blocked_reasons(blocked: Blocked) -> list[str]:
    reasons = [describe.blocker(b) for b in blocked.blockers]
    hidden = blocked.total - len(blocked.blockers)
    if hidden > 0:
        reasons.append(_("…and %(n)s more.", n=describe.number(hidden)))
    return reasons


def _load(model: type, key: str, actor: Any) -> Any:
    """The row the actor may see (404 otherwise); 410 when it is in the trash; 403 when they
    see it but may not delete it."""
    state = views()
    session = db_session()
    node = state.tombstone.graph.governing(model)
    try:
        value = key_value(node.pk, key, dialect=dialect_name(session))
    except InvalidTarget:
        abort(404)
    pk = getattr(model, node.pk_key)
    seen = where_all(state.access.visible(actor, model))
    query: Any = select(model).where(pk == value, *seen).execution_options(include_deleted=True)
    row = session.scalars(query).first()
    if row is None:
        abort(404)
    if node.soft and getattr(row, "deleted_at", None) is not None:
        session.expunge(row)
        abort(410)
    allowed = where_all(state.access.deletable(actor, model))
    if allowed and not session.scalar(select(exists().where(pk == value, *allowed))):
        abort(403)
    return row


def _label(row: Any) -> str:
    from . import row_label

    return row_label(views().tombstone, row)


# -- undo, restore, purge --------------------------------------------------------------------
def undo(op_id: int) -> ResponseReturnValue:
    return _settle(op_id, "restore", back=_next())


def restore(op_id: int) -> ResponseReturnValue:
    return _settle(op_id, "restore", back=_trash_url())


def purge(op_id: int) -> ResponseReturnValue:
    return _settle(op_id, "purge", back=_trash_url())


def _settle(op_id: int, action: str, *, back: str) -> ResponseReturnValue:
    state = views()
    actor = state_actor()
    check_csrf()
    session = db_session()
    seen = where_all(state.access.operations(actor))
    op = session.scalars(select(Operation).where(Operation.id == op_id, *seen)).first()
    if op is None:
        abort(404)
    hook = state.access.purgeable if action == "purge" else state.access.restorable
    allowed = where_all(hook(actor))
    if allowed:
        query = select(exists().where(Operation.id == op_id, *allowed))
        if not session.scalar(query):
            abort(403)
    reason = request.form.get("reason", "").strip()
    if action == "purge" and (not reason or len(reason) > REASON_MAX or "\x00" in reason):
        flash(_("Say why (up to %(n)s characters): a purge is permanent.", n=REASON_MAX), "error")
        return redirect(back, 303)
    name = describe.what(op, trashed_labels([op]))
    try:
        if action == "purge":
            state.tombstone.purge(op_id, actor=actor, reason=reason)
            done = _("Purged %(what)s for good.", what=name)
        else:
            state.tombstone.restore(op_id, actor=actor)
            done = _("Restored %(what)s.", what=name)
    except TombstoneError as error:
        session.rollback()
        if isinstance(error, DatabaseFailure):
            raise
        for line in _refusal(error):
            flash(line, "error")
        return redirect(back, 303)
    session.commit()
    flash(done, "success")
    return redirect(back, 303)


def _refusal(error: TombstoneError) -> list[str]:
    if isinstance(error, Settled):
        return [
            _("This deletion was already undone.")
            if error.kind == "restore"
            else _("This deletion was already purged.")
        ]
    if isinstance(error, Blocked):
        return blocked_reasons(error)
    if isinstance(error, Conflict) and error.conflicts:
        return [describe.conflict(c) for c in error.conflicts]
    if isinstance(error, Conflict):
        return [_("This cannot be done as things are now: %(why)s.", why=error.detail)]
    return [_("This cannot be done: %(why)s.", why=error.detail)]


# -- shared ----------------------------------------------------------------------------------
def state_actor() -> Any:
    """The current actor; anonymous visitors are sent to log in when the app requires it."""
    access = views().access
    actor = access.actor()
    if actor is None and access.login_required():
        manager = getattr(current_app, "login_manager", None)
        if manager is not None:
            abort(manager.unauthorized())
        abort(401)
    return actor


def _next() -> str:
    return safe_next(request.values.get("next")) or current_app.config["TOMBSTONE_VIEWS_HOME"]


def _trash_url() -> str:
    from flask import url_for

    return safe_next(request.values.get("next")) or url_for("tombstone.trash")


def _unavailable(error: Exception) -> ResponseReturnValue:
    with suppress(DBAPIError):  # the connection is gone: nothing to roll back
        db_session().rollback()
    page = render_template(
        "tombstone/error.html",
        title=_("Temporarily unavailable"),
        message=_("The database did not answer. Nothing was changed; try again in a moment."),
    )
    return page, 503, {"Retry-After": "5"}
