"""``GET /trash``, ``GET /operations`` and ``POST /operations/<op>/restore|purge``: the
operations the caller may see (``Access.operations``), paginated and filtered, and what they
may do with them (``Access.restorable`` / ``Access.purgeable``: ``403`` when they see it)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import current_app, jsonify
from sqlalchemy import Select, func, or_, select
from werkzeug.wrappers import Response

from flask_tombstone import acting
from flask_tombstone.access import Criterion, allowed_column, where_all
from flask_tombstone.core.errors import Conflict
from flask_tombstone.core.operations import actor_id
from flask_tombstone.core.records import Operation, OperationKind, OperationStatus
from flask_tombstone.held import context_contains

from . import represent, schemas
from .body import MISSING, checked_body, query
from .idempotency import idempotent
from .problems import ApiProblem, engine_problem, fail, invalid, not_found
from .samples import trashed_samples
from .state import api, caller, session


def trash() -> Response:
    """Deletions still in the trash, newest first; each says whether the caller may restore
    and purge it, and names a few of the rows it holds (``samples``)."""
    actor = caller("trash")
    state = api()
    params = query(state.trash_parameters())
    statement = state.tombstone.trash().where(*_filters(params, actor))
    ops, page = _page(statement, params)
    restorable = _allowed(ops, state.access.restorable(actor))
    purgeable = _allowed(ops, state.access.purgeable(actor))
    keep, names = represent.retention(), represent.actor_names(ops)
    samples = trashed_samples(ops, actor)
    items = [
        represent.operation(op, undo=op.id in restorable, keep=keep, names=names)
        | {
            "restorable": op.id in restorable,
            "purgeable": op.id in purgeable,
            "samples": samples.get(op.id, {}),
        }
        for op in ops
    ]
    return jsonify(page | {"items": items})


def log() -> Response:
    """Every operation the caller may see, newest first, filtered."""
    actor = caller("operations")
    state = api()
    params = query(state.log_parameters())
    criteria = _filters(params, actor)
    if "kind" in params:
        criteria.append(Operation.kind == params["kind"])
    if "status" in params:
        criteria.append(Operation.status == params["status"])
    if params.get("mine"):
        criteria.append(Operation.actor == actor_id(actor))
    ops, page = _page(state.tombstone.operations().where(*criteria), params)
    settled = _settled(ops)
    restorable = _allowed(ops, state.access.restorable(actor))
    keep, names = represent.retention(), represent.actor_names(ops)
    items = [
        represent.operation(
            op,
            undo=op.id in restorable and op.id not in settled,
            settled=settled.get(op.id),
            keep=keep,
            names=names,
        )
        for op in ops
    ]
    return jsonify(page | {"items": items})


def _filters(params: dict[str, Any], actor: Any) -> list[Any]:
    state = api()
    criteria: list[Any] = where_all(state.access.operations(actor))
    for name, extra in state.operation_filters.items():
        if name in params:
            criteria.append(extra.criterion(params[name], actor))
    if "model" in params:
        criteria.append(Operation.root_model == params["model"])
    if "actor" in params and "actor" not in state.operation_filters:
        criteria.append(Operation.actor == params["actor"])
    if "q" in params:
        q = params["q"]
        criteria.append(
            or_(
                Operation.reason.contains(q, autoescape=True),
                Operation.actor.contains(q, autoescape=True),
                context_contains(q),
            )
        )
    since, until = _moment(params, "since"), _moment(params, "until")
    if since is not None and until is not None and since > until:
        invalid([("since", "is after until")], where="query")
    if since is not None:
        criteria.append(Operation.created_at >= since)
    if until is not None:
        criteria.append(Operation.created_at < until)
    return criteria


def _moment(params: dict[str, Any], name: str) -> datetime | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        if "T" not in text:
            return datetime.combine(datetime.fromisoformat(text).date(), time())
        moment = datetime.fromisoformat(text.removesuffix("Z"))
    except ValueError:
        invalid([(name, "is not a date")], where="query")
    return naive_utc(moment)


def naive_utc(value: datetime) -> datetime:
    """``value`` in UTC without its offset, as the log stores times; one UTC cannot write
    (``0001-01-01T00:00+01:00``) is the first or last moment there is, past which nothing
    was logged either way."""
    offset = value.utcoffset()
    if offset is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return datetime.min if offset > timedelta(0) else datetime.max


def _page(statement: Select[Any], params: dict[str, Any]) -> tuple[list[Operation], dict[str, Any]]:
    size = int(params.get("per_page", current_app.config["TOMBSTONE_API_PAGE_SIZE"]))
    number = int(params.get("page", 1))
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    total = int(session().scalar(counted) or 0)
    ops = list(session().scalars(statement.limit(size).offset((number - 1) * size)))
    return ops, {"page": number, "per_page": size, "total": total}


def _allowed(ops: list[Operation], hook: Criterion, *, by: str = "id") -> set[int]:
    """The ids (``by="ref_op"``: the deletions they acted on) that ``hook`` allows."""
    ids = [int(getattr(op, by)) for op in ops if getattr(op, by) is not None]
    if hook is None or not ids:
        return set(ids)
    return set(session().scalars(select(Operation.id).where(Operation.id.in_(ids), hook)))


def _settled(ops: list[Operation]) -> dict[int, str]:
    ids = [op.id for op in ops if op.kind == OperationKind.DELETE]
    if not ids:
        return {}
    done = select(Operation.ref_op, Operation.kind).where(
        Operation.ref_op.in_(ids),
        Operation.kind.in_((OperationKind.RESTORE, OperationKind.PURGE)),
        Operation.status == OperationStatus.DONE,
    )
    return {int(ref or 0): str(kind) for ref, kind in session().execute(done)}


# -- restore, purge --------------------------------------------------------------------------
def restore(op_id: int) -> Response:
    actor = caller("restore")
    query({})
    return idempotent(actor, lambda: _restore(op_id, actor))


def _restore(op_id: int, actor: Any) -> Response:
    """Restore deletion ``op_id``; with ``with_parents``, the deletions that trashed rows it
    needs come back along when the caller may restore each of them (``parents``: their
    restore operations). A conflict names, in ``retry_with_parents``, the deletions that
    ``with_parents`` would bring back, when the caller may."""
    deletion = _settleable(op_id, actor, api().access.restorable(actor), "restore")
    body = checked_body(schemas.RESTORE_BODY, required=False)
    options = {} if body is MISSING else body
    with_parents = bool(options.get("with_parents", False))
    state = api()
    reason = options.get("reason") or None
    try:
        if with_parents:
            restored, parents = acting.restore_with_parents(
                state.tombstone, state.access, op_id, actor, reason=reason
            )
        else:
            restored = acting.restore(
                state.tombstone, state.access, op_id, actor, reason=reason, deletion=deletion
            )
            parents = []
    except Conflict as error:
        raise _conflict(error, actor) from None
    names = represent.actor_names([restored, *parents])
    # Written before the commit, from what the restore returned: no reload after it.
    answer = represent.operation(restored, names=names) | {
        "parents": [represent.operation(p, names=names) for p in parents]
    }
    session().commit()
    return jsonify(answer)


def _conflict(error: Conflict, actor: Any) -> ApiProblem:
    """The engine's conflict as a problem; ``retry_with_parents`` when every conflict is a
    parent in the trash and the caller may restore those deletions."""
    answer = engine_problem(error)
    parents = sorted(
        {
            c.other_operation
            for c in error.conflicts
            if c.reason == "parent_in_trash" and c.other_operation is not None
        }
    )
    extensions = dict(answer.get_json() or {})
    status, title, detail = (
        extensions.pop("status"),
        extensions.pop("title"),
        extensions.pop("detail"),
    )
    code = extensions.pop("code")
    extensions.pop("type", None)
    if parents and all(c.reason == "parent_in_trash" for c in error.conflicts):
        state = api()
        if len(acting.may_restore(state.tombstone, state.access, actor, parents)) == len(parents):
            extensions["retry_with_parents"] = parents
    return ApiProblem(status, title, detail, code=code, **extensions)


def purge(op_id: int) -> Response:
    actor = caller("purge")
    query({})
    return idempotent(actor, lambda: _purge(op_id, actor))


def _purge(op_id: int, actor: Any) -> Response:
    _settleable(op_id, actor, api().access.purgeable(actor), "purge")
    body = checked_body(schemas.PURGE_BODY)
    state = api()
    report = acting.purge(
        state.tombstone, state.access, op_id, actor, reason=body["reason"].strip()
    )
    session().commit()
    (purged,) = report.operations
    done = session().get(Operation, purged.purge_op_id)
    if done is None:  # pragma: no cover - the purge just wrote it
        not_found()
    return jsonify(represent.operation(done))


def _settleable(op_id: int, actor: Any, hook: Criterion, action: str) -> Operation:
    """The deletion: ``404`` unless the caller sees the operation, ``403`` unless ``hook``
    lets them act on it, ``409`` (``not_deletion``) when it is no deletion to restore or
    purge. One statement reads the operation and whether ``hook`` lets them."""
    seen = where_all(api().access.operations(actor))
    may = allowed_column(hook)
    found: Any = session().execute(select(Operation, may).where(Operation.id == op_id, *seen))
    found = found.first()
    if found is None:
        not_found("There is no such operation in your log.")
    op: Operation = found[0]
    if not found[1]:
        fail(403, "Forbidden", f"You may not {action} this deletion.", code="forbidden")
    if op.kind != OperationKind.DELETE:
        fail(
            409,
            "Not a deletion",
            f"Operation {op_id} is a {op.kind}: only deletions in the trash can be {action}d.",
            code="not_deletion",
        )
    return op
