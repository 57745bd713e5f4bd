"""One page of a scoped ``select()``, with the total, for every list endpoint."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from taskboard.extensions import db


def paged(query: Select[Any], args: dict[str, Any]) -> dict[str, Any]:
    page, per_page = int(args["page"]), int(args["per_page"])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": rows, "page": page, "per_page": per_page, "total": int(total or 0)}
