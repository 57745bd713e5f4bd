"""People: members and admins. Soft-deletable, so that an account can be restored, and
RESTRICTed while it still owns live projects."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import SoftDeleteMixin, unique_live
from taskboard.typed import UserMixin

from .base import Base, utcnow

if TYPE_CHECKING:
    from .project import Project


class Role(enum.StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class User(SoftDeleteMixin, UserMixin, Base):
    __tablename__ = "user_account"
    __tombstone_label__ = "username"
    __table_args__ = (
        unique_live("username", name="uq_user_account_username_live"),
        unique_live("email", name="uq_user_account_email_live"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owned_projects: Mapped[list[Project]] = relationship(
        back_populates="owner", passive_deletes=True, order_by="Project.name"
    )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def tombstone_actor(self) -> str:
        """How this user is recorded as the actor of an operation."""
        return f"user:{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"
