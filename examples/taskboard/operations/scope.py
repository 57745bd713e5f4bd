"""Recording which projects an operation touched (see :mod:`taskboard.models.scope`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, insert, select

from taskboard.extensions import db
from taskboard.models import Comment, Item, OperationProject, Project, Tag

TABLE = OperationProject.metadata.tables[OperationProject.__tablename__]


def record_scope(op_id: int, project_ids: Iterable[int]) -> None:
    """Index operation ``op_id`` under ``project_ids`` (in the caller's transaction).

    One ``INSERT`` of plain rows, not a unit-of-work flush of objects nobody reads back (this
    runs on every delete: the flush cost more than the statement)."""
    rows = [{"op_id": op_id, "project_id": project_id} for project_id in sorted(set(project_ids))]
    if rows:
        db.session.execute(insert(TABLE), rows)


def scope_of(op_id: int) -> list[int]:
    """The projects operation ``op_id`` touched."""
    query = select(OperationProject.project_id).where(OperationProject.op_id == op_id)
    return sorted(db.session.scalars(query))


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
