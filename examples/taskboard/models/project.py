"""Projects: an owner (RESTRICT: a user cannot go while owning live projects) and members."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import SoftDeleteMixin

from .base import Base, utcnow

if TYPE_CHECKING:
    from .item import Item
    from .tag import Tag
    from .user import User

#: Membership; an association table, so a hard delete of either side DETACHes its rows.
project_member = Table(
    "project_member",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Project(SoftDeleteMixin, Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(back_populates="owned_projects")
    members: Mapped[list[User]] = relationship(
        secondary=project_member, order_by="User.username", passive_deletes=True
    )
    items: Mapped[list[Item]] = relationship(back_populates="project", passive_deletes=True)
    tags: Mapped[list[Tag]] = relationship(
        back_populates="project", passive_deletes=True, order_by="Tag.name"
    )

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name}>"
