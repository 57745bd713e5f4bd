"""Tags: a project's labels, many-to-many with its items. Names are unique among a project's
live tags, so restoring a tag whose name was taken meanwhile is a conflict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import SoftDeleteMixin, unique_live

from .base import Base
from .item import item_tag

if TYPE_CHECKING:
    from .item import Item
    from .project import Project


class Tag(SoftDeleteMixin, Base):
    __tablename__ = "tag"
    __table_args__ = (unique_live("project_id", "name", name="uq_tag_project_name_live"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )

    project: Mapped[Project] = relationship(back_populates="tags")
    items: Mapped[list[Item]] = relationship(
        secondary=item_tag, back_populates="tags", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Tag {self.id} {self.name}>"
