"""Comments on items (CASCADE with their item); the author link is SET NULL."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import SoftDeleteMixin

from .base import Base, utcnow

if TYPE_CHECKING:
    from .item import Item
    from .user import User


class Comment(SoftDeleteMixin, Base):
    __tablename__ = "comment"
    # An item's comments by id, live ones answered from the index (as for items).
    __table_args__ = (Index("ix_comment_item_listing", "item_id", "id", "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on item {self.item_id}>"
