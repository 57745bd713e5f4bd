"""The views: parse, authorize, call the engine, render. Answers follow one rule: what the
actor may not see is 404, what they see but may not do is 403, a conflict with the data is
409 with every reason in plain words, an unavailable database 503 with ``Retry-After``."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError

from flask_tombstone import acting
from flask_tombstone.access import where_all
from flask_tombstone.core.errors import (
    Blocked,
    Conflict,
    DatabaseFailure,
    InvalidTarget,
    Settled,
    TombstoneError,
)
from flask_tombstone.core.keys import key_from_text
from flask_tombstone.core.records import Operation
from flask_tombstone.core.sql import dialect_name

from . import describe, restoring
from .bulk import bulk
from .confirming import (
    REASON_MAX,
    Gone,
    Refusal,
    announce,
    blocked_reasons,
    delete_confirmed,
    go,
    in_dialog,
    next_url,
)
from .csrf import check_csrf
from .i18n import _
from .listing import log_page, trash_page, trashed_labels
from .state import db_session, registered_model, safe_next, state_actor, views


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
    """GET: what deleting the row would do. POST: delete exactly that, or say why not.
    ``hard=1``: permanently, for those :meth:`Access.permanent` allows (403 otherwise)."""
    actor = state_actor()
    model = registered_model(slug)
    row = _load(model, key, actor)
    hard = _hard(model, actor)
    label = _label(row)
    if request.method == "GET":
        return _confirm_page(row, label, actor, hard=hard)
    check_csrf()
    try:
        op = delete_confirmed(row, actor, context={"label": label}, hard=hard)
    except Refusal as refused:
        return _confirm_page(
            row, label, actor, hard=hard, problems=refused.problems, status=refused.status
        )
    except Gone:
        flash(_("Someone deleted this before you did."), "warning")
        return go(next_url())
    names = {"what": describe.noun(op.root_model), "label": label, "along": describe.others(op)}
    if hard:
        message = _("Deleted %(what)s “%(label)s” for good.", **names)
    elif names["along"]:  # "with 5 comments"
        message = _("Deleted %(what)s “%(label)s” %(along)s.", **names)
    else:
        message = _("Deleted %(what)s “%(label)s”.", **names)
    return announce(op, message)


def _hard(model: type, actor: Any) -> bool:
    """Whether this is a permanent deletion of a row that would go to the trash: asked for
    with ``hard=1``, and 403 unless the actor may."""
    if request.values.get("hard") != "1":
        return False
    if not views().access.permanent(actor):
        abort(403)
    return bool(views().tombstone.graph.governing(model).soft)


def _confirm_page(
    row: Any,
    label: str,
    actor: Any,
    *,
    hard: bool = False,
    problems: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    state = views()
    preview = state.tombstone.preview(row, actor=actor, hard=hard)
    node = state.tombstone.graph.governing(type(row))
    permanent_url = None
    if node.soft and not hard and state.access.permanent(actor):
        permanent_url = url_for(
            "tombstone.confirm",
            slug=state.slug_of(type(row)),
            key=getattr(row, node.pk_key),
            hard="1",
            next=next_url(),
        )
    page = render_template(
        "tombstone/confirm.html",
        row=row,
        label=label,
        model=node.name,
        soft=node.soft and not hard,
        hard=hard,
        permanent_url=permanent_url,
        preview=preview,
        others={k: v for k, v in preview.counts.items() if k != node.name and v},
        blockers=[describe.blocker(b) for b in preview.blockers],
        hidden_blockers=preview.blocker_count - len(preview.blockers),
        problems=problems or [],
        next_url=next_url(),
        describe=describe,
        dialog=in_dialog(),
    )
    return page, status


def _load(model: type, key: str, actor: Any) -> Any:
    """The row the actor may see (404 otherwise); 410 when it is in the trash (from the
    dialog: back to the list, refreshed, saying so); 403 when they see it but may not delete
    it."""
    state = views()
    session = db_session()
    node = state.tombstone.graph.governing(model)
    try:
        value = key_from_text(node.pk, key, dialect=dialect_name(session))
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
        if in_dialog():  # deleted elsewhere since the list was shown: back to it, refreshed
            flash(_("Someone deleted this before you did: it is in the trash."), "warning")
            abort(make_response(go(next_url())))
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
    return _settle(op_id, "restore", back=next_url())


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
            why = {
                "purge": _("You may not purge this deletion."),
                "restore": _("You may not restore this deletion."),
            }
            abort(403, description=why[action])
    reason = request.form.get("reason", "").strip()
    if action == "purge" and (not reason or len(reason) > REASON_MAX or "\x00" in reason):
        flash(_("Say why (up to %(n)s characters): a purge is permanent.", n=REASON_MAX), "error")
        return redirect(back, 303)
    name = describe.what(op, trashed_labels([op]))
    along = describe.others(op)  # "with 5 comments", or ""
    if along:
        name = _("%(what)s %(along)s", what=name, along=along)
    try:
        if action == "purge":
            acting.purge(state.tombstone, state.access, op_id, actor, reason=reason)
            done = _("Purged %(what)s for good.", what=name)
        else:
            with_parents = request.form.get("with_parents") == "1"
            parents = restoring.restore_deletion(op_id, actor, with_parents=with_parents)
            done = _("Restored %(what)s.", what=name)
            if parents:
                done = _(
                    "Restored %(what)s, with %(parents)s.",
                    what=name,
                    parents=restoring.names(parents),
                )
    except TombstoneError as error:
        session.rollback()
        if isinstance(error, DatabaseFailure):
            raise
        if action != "purge" and isinstance(error, Conflict) and error.conflicts:
            return restoring.refused(op, error, actor, back)
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
def _trash_url() -> str:
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
