"""Items: the tutorials' ``Item`` (a name and an owner) with a status, an assignee (SET NULL)
and a due date, in a project (CASCADE), tagged through an association table (DETACH)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import SoftDeleteMixin

from .base import Base, utcnow

if TYPE_CHECKING:
    from .comment import Comment
    from .project import Project
    from .tag import Tag
    from .user import User


class Status(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


item_tag = Table(
    "item_tag",
    Base.metadata,
    Column("item_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Item(SoftDeleteMixin, Base):
    __tablename__ = "item"
    # A project's items by id (the lists' order), ``deleted_at`` last: the live filter is
    # answered from the index, so a list or count of live items reads no more than one of
    # all items would (see docs/engine.md, "Indexes for live rows").
    __table_args__ = (Index("ix_item_project_listing", "project_id", "id", "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.OPEN.value, index=True)
    due: Mapped[date | None] = mapped_column(default=None)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(back_populates="items")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="item", passive_deletes=True, order_by="Comment.id"
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=item_tag, back_populates="items", order_by="Tag.name", passive_deletes=True
    )

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.name}>"
