"""Recording which projects an operation touched (see :mod:`taskboard.models.scope`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select

from taskboard.extensions import db
from taskboard.models import OperationProject

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
