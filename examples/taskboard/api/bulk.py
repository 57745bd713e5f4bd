"""``POST /api/items/bulk-delete``: ticked ids, or every item matching an allow-listed
filter, deleted as one atomic operation through the same selection as the HTML bulk delete."""

from __future__ import annotations

from typing import Any

from flask import current_app
from werkzeug.wrappers import Response

from taskboard.deletion.errors import Refused
from taskboard.items import bulk, services

from . import deleting
from .auth import caller
from .problems import abort_problem


def selection(body: dict[str, Any]) -> bulk.Selection:
    if "ids" in body and "filter" in body:
        abort_problem(400, "Bad Request", "Send ids or a filter, not both.")
    if "ids" in body:
        return bulk.Selection(ids=tuple(dict.fromkeys(body["ids"])))
    wanted = body.get("filter") or {}
    if not wanted:
        abort_problem(
            400,
            "Filter required",
            "Send ids, or a filter with at least one field: a bulk delete never means everything.",
        )
    if "expected_count" not in body:
        abort_problem(
            422,
            "Unprocessable Content",
            "A filter needs expected_count.",
            errors={"json": {"expected_count": ["Required with a filter."]}},
        )
    return bulk.Selection(every=True, wanted=services.ItemFilter(**wanted))


def delete_items(body: dict[str, Any]) -> Response:
    chosen = selection(body)
    cap = int(current_app.config["TASKBOARD_BULK_CAP"])
    try:
        target = bulk.target(caller(), chosen, cap)
    except Refused as refused:
        if refused.code == "cap":
            abort_problem(
                400, "Over the cap", f"One bulk delete takes at most {cap} rows.", cap=cap
            )
        if refused.code == "not_found":
            abort_problem(404, "Not Found", "None of these items is here.")
        raise
    if chosen.ids and target.count != len(chosen.ids):
        # All or nothing, and no telling which ids exist for someone else.
        abort_problem(404, "Not Found", "Some of these items are not here (or not yours to see).")
    expected = body.get("expected_count")
    if chosen.every and expected != target.count:
        abort_problem(
            409,
            "Count mismatch",
            f"The filter matches {target.count} items, not {expected}.",
            count=target.count,
            expected_count=expected,
        )
    return deleting.delete_target(target.query, body.get("confirm_token", ""), bulk=True)
