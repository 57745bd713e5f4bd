"""``POST /api/<things>/bulk-delete``, for every resource: ticked ids, or every row matching
an allow-listed filter, deleted as one atomic operation.

A resource brings its model and ``matching(user, filter)``: the rows the user may see that
match the filter (the scoped loader, narrowed; ``{}`` narrows nothing). Ids are taken from
that same query, so nobody bulk deletes a row they could not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select
from werkzeug.wrappers import Response

from taskboard.deletion.bulk import measure
from taskboard.deletion.errors import Refused
from taskboard.models import User

from . import deleting
from .auth import caller
from .problems import abort_problem
from .ratelimit import charge_rows


@dataclass(frozen=True)
class BulkDelete:
    model: type[Any]
    matching: Callable[[User, dict[str, Any]], Select[Any]]

    @property
    def noun(self) -> str:
        return f"{self.model.__name__.lower()}s"


def selected(spec: BulkDelete, body: dict[str, Any]) -> tuple[Select[Any], int | None]:
    """The query of what ``body`` selects, and how many ids it names (``None``: a filter)."""
    if "ids" in body and "filter" in body:
        abort_problem(400, "Bad Request", "Send ids or a filter, not both.")
    if "ids" in body:
        ids = tuple(dict.fromkeys(body["ids"]))
        return spec.matching(caller(), {}).where(spec.model.id.in_(ids)), len(ids)
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
    return spec.matching(caller(), wanted), None


def delete(spec: BulkDelete, body: dict[str, Any]) -> Response:
    """Delete what ``body`` selects, all or nothing, and answer with the operation."""
    query, asked = selected(spec, body)
    cap = int(current_app.config["TASKBOARD_BULK_CAP"])
    try:
        target = measure(query, cap, noun=spec.noun, asked=asked)
    except Refused as refused:
        if refused.code == "cap":
            abort_problem(
                400, "Over the cap", f"One bulk delete takes at most {cap} rows.", cap=cap
            )
        abort_problem(404, "Not Found", f"None of these {spec.noun} is here.")
    if asked is not None and target.count != asked:
        # All or nothing, and no telling which ids exist for someone else.
        abort_problem(
            404, "Not Found", f"Some of these {spec.noun} are not here (or not yours to see)."
        )
    expected = body.get("expected_count")
    if asked is None and expected != target.count:
        abort_problem(
            409,
            "Count mismatch",
            f"The filter matches {target.count} {spec.noun}, not {expected}.",
            count=target.count,
            expected_count=expected,
        )
    charge_rows(target.count)  # the deletion budget, before anything is written
    return deleting.delete_target(target.query, body.get("confirm_token", ""), bulk=True)
