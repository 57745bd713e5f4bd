"""Recording which projects an operation touched (see :mod:`taskboard.models.scope`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from taskboard.extensions import db
from taskboard.models import OperationProject


def record_scope(op_id: int, project_ids: Iterable[int]) -> None:
    """Index operation ``op_id`` under ``project_ids`` (in the caller's transaction)."""
    db.session.add_all(
        OperationProject(op_id=op_id, project_id=project_id)
        for project_id in sorted(set(project_ids))
    )
    db.session.flush()


def scope_of(op_id: int) -> list[int]:
    """The projects operation ``op_id`` touched."""
    query = select(OperationProject.project_id).where(OperationProject.op_id == op_id)
    return sorted(db.session.scalars(query))
