"""Which projects each operation touched: the index the trash and the log are scoped by.

The same ids are in ``Operation.context["project_ids"]`` for people reading the log; this
table makes "operations of the projects I can see" one indexed SQL condition on every
database, instead of JSON matching that differs per dialect. Protected, like the log.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from flask_tombstone import ProtectedMixin

from .base import Base


class OperationProject(ProtectedMixin, Base):
    __tablename__ = "operation_project"

    op_id: Mapped[int] = mapped_column(ForeignKey("tombstone_operation.id"), primary_key=True)
    project_id: Mapped[int] = mapped_column(primary_key=True, index=True)
