"""Recording which projects an operation touched (see :mod:`taskboard.models.scope`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, insert, select

from taskboard.extensions import db
from taskboard.models import Comment, Item, OperationProject, Project, Tag

TABLE = OperationProject.metadata.tables[OperationProject.__tablename__]


def record_scope(op_id: int, project_ids: Iterable[int]) -> None:
    """Index operation ``op_id`` under ``project_ids`` (in the caller's transaction).

    One ``INSERT`` of plain rows, not a unit-of-work flush of objects nobody reads back (this
    runs on every delete: the flush cost more than the statement)."""
    rows = [{"op_id": op_id, "project_id": project_id} for project_id in sorted(set(project_ids))]
    _read_in_request().pop(op_id, None)
    if rows:  # Core, on the session's connection: no ORM statement to route
        db.session.connection().execute(insert(TABLE), rows)


def scope_of(op_id: int) -> list[int]:
    """The projects operation ``op_id`` touched (read once per request: a restore asks for
    its deletion's scope to record it, and again to index the restore under it)."""
    known = _read_in_request()
    if op_id not in known:
        query = select(OperationProject.project_id).where(OperationProject.op_id == op_id)
        known[op_id] = sorted(db.session.scalars(query))
    return list(known[op_id])


def _read_in_request() -> dict[int, list[int]]:
    if not has_request_context():
        return {}
    found: dict[int, list[int]] = g.setdefault("taskboard_scopes", {})
    return found


def projects_touched(target: Any) -> list[int]:
    """The projects a deletion of ``target`` touches (what scopes it in the trash and log)."""
    if isinstance(target, Select):
        entity = target.column_descriptions[0]["entity"]
        if entity is Comment:
            items = target.with_only_columns(Comment.item_id).order_by(None)
            query = select(Item.project_id).where(Item.id.in_(items)).distinct()
        else:
            column = {Project: Project.id, Item: Item.project_id, Tag: Tag.project_id}[entity]
            query = target.with_only_columns(column).distinct().order_by(None)
        return sorted(int(i) for i in db.session.scalars(query))
    if isinstance(target, Project):
        return [target.id]
    if isinstance(target, Item | Tag):
        return [target.project_id]
    if isinstance(target, Comment):
        return [target.item.project_id]
    return []
