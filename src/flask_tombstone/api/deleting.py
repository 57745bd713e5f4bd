"""``DELETE /<slug>/<id>``, ``GET /<slug>/<id>/deletion-preview`` and
``POST /<slug>/bulk-delete``: parse, authorize, call the engine, answer."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from sqlalchemy import Select, exists, func, select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from flask_tombstone import acting
from flask_tombstone.access import where_all
from flask_tombstone.core.graph import Node
from flask_tombstone.core.records import Operation
from flask_tombstone.views.bulk import InvalidFilter

from . import represent, schemas
from .body import json_body, query
from .idempotency import idempotent
from .problems import ApiProblem, fail, invalid, not_found, wait_at_least
from .rows import check_if_match, etag, load, model_for, parse_key
from .state import api, caller, session
from .validate import problems


def delete_row(slug: str, key: str) -> Response:
    """Delete one row: ``204``, or ``200`` with the operation when the client sends
    ``Prefer: return=representation``."""
    actor = caller("delete")
    model, node = model_for(slug)
    params = query(schemas.DELETE_PARAMETERS)
    row = load(model, node, key, actor)
    check_if_match(row)
    charge_rows(actor, 1)
    state = api()
    op = acting.delete(
        state.tombstone,
        state.access,
        row,
        actor,
        reason=params.get("reason") or None,
        expect=params.get("confirm_token"),
    )
    session().commit()
    if not prefers_representation():
        return Response(status=204)
    response = jsonify(
        represent.operation(op, undo=may_restore(op, actor), keep=represent.retention())
    )
    response.headers["Preference-Applied"] = "return=representation"
    return response


def charge_rows(actor: Any, count: int) -> None:
    """The app's ``row_limit`` hook, once the rows are counted and before any is written:
    ``429`` with ``Retry-After`` when it says wait."""
    hook = api().row_limit
    if hook is None:
        return
    detail = "Over your budget of deleted rows: try again in {seconds} s."
    wait_at_least(hook(actor, count), detail)


def prefers_representation() -> bool:
    """``Prefer: return=representation`` among the header's preferences (RFC 7240)."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            token = preference.split(";", 1)[0].strip().replace(" ", "")
            if token.lower() == "return=representation":
                return True
    return False


def may_restore(op: Operation, actor: Any) -> bool:
    access = api().access
    allowed = where_all(access.operations(actor), access.restorable(actor))
    if not allowed:
        return True
    return bool(session().scalar(select(exists().where(Operation.id == op.id, *allowed))))


def preview(slug: str, key: str) -> Response:
    """What deleting the row would do, with the row's ``ETag`` for ``If-Match``."""
    actor = caller("preview")
    model, node = model_for(slug)
    query({})
    row = load(model, node, key, actor)
    tag = etag(row)
    plan = api().tombstone.preview(row, actor=actor)
    response = jsonify(plan.as_dict())
    response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# -- bulk ------------------------------------------------------------------------------------
def bulk_delete(slug: str) -> Response:
    """Delete the rows ``ids`` name, or every row matching ``filter``, as one operation."""
    actor = caller("bulk_delete")
    model, node = model_for(slug)
    query({})
    return idempotent(actor, lambda: _bulk(model, node, actor))


def _bulk(model: type, node: Node, actor: Any) -> Response:
    body = json_body()
    if not isinstance(body, dict):
        invalid([("", "must be an object")])
    cap = int(current_app.config["TOMBSTONE_API_BULK_CAP"])
    if "ids" in body and "filter" in body:
        invalid([("", "takes ids or filter, not both")])
    if "ids" not in body and not body.get("filter"):
        fail(
            400,
            "Filter required",
            "Send ids, or a filter with at least one field: a bulk delete never means everything.",
            code="filter_required",
        )
    if isinstance(body.get("ids"), list) and len(body["ids"]) > cap:
        _over_cap(cap, len(body["ids"]))
    if "ids" in body:
        statement, asked = _by_ids(model, node, body, cap, actor)
    else:
        statement, asked = _by_filter(model, body, actor), None
    count = int(session().scalar(select(func.count()).select_from(statement.subquery())) or 0)
    if asked is not None and count != asked:
        # All or nothing, and no telling which ids exist for someone else.
        not_found("Some of these rows are not here (or not yours to see).")
    if count == 0:
        not_found("Nothing you can see matches this filter.")
    if count > cap:
        _over_cap(cap, count)
    if asked is None and body["expected_count"] != count:
        fail(
            409,
            "Count mismatch",
            f"The filter matches {count} rows, not {body['expected_count']}.",
            code="count_mismatch",
            count=count,
            expected_count=body["expected_count"],
        )
    charge_rows(actor, count)
    state = api()
    op = acting.delete(
        state.tombstone,
        state.access,
        statement,
        actor,
        reason=body.get("reason") or None,
        expect=body.get("confirm_token"),
    )
    session().commit()
    return jsonify(represent.operation(op, undo=may_restore(op, actor), keep=represent.retention()))


def _over_cap(cap: int, count: int) -> None:
    fail(
        400,
        "Over the cap",
        f"One bulk delete takes at most {cap} rows; this one would take {count}.",
        code="over_cap",
        cap=cap,
        count=count,
    )


def _by_ids(
    model: type, node: Node, body: dict[str, Any], cap: int, actor: Any
) -> tuple[Select[Any], int]:
    schema = schemas.bulk_by_ids(api().key_schema(node), cap)
    found = problems(schema, body)
    if found:
        invalid(found)
    keys = [parse_key(node, value) for value in body["ids"]]
    bad = [(f"/ids/{i}", "is no key of this model") for i, k in enumerate(keys) if k is None]
    if bad:
        invalid(bad)
    pk = getattr(model, node.pk_key)
    seen = where_all(api().access.visible(actor, model))
    return select(model).where(pk.in_(keys), *seen), len(set(keys))


def _by_filter(model: type, body: dict[str, Any], actor: Any) -> Select[Any]:
    state = api()
    parse = state.filters.get(model)
    if parse is None:
        invalid([("/filter", "is not offered for these rows: send ids")])
    found = problems(schemas.bulk_by_filter(state.filter_fields.get(model)), body)
    if found:
        invalid(found)
    args: MultiDict[str, str] = MultiDict(
        [(name, _text(value)) for name, value in body["filter"].items()]
    )
    try:
        criterion = parse(args)
    except InvalidFilter as refused:
        raise ApiProblem(
            422,
            "Unprocessable Content",
            "; ".join(refused.problems),
            code="invalid",
            errors=[{"pointer": "/filter", "detail": text} for text in refused.problems],
        ) from None
    seen = where_all(state.access.visible(actor, model))
    return select(model).where(criterion, *seen)


def _text(value: Any) -> str:
    """A filter value as the listing's query string would hold it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
