"""People: members and admins. Soft-deletable, so that an account can be restored, and
RESTRICTed while it still owns live projects."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import SoftDeleteMixin, unique_live
from taskboard.typed import UserMixin

from .base import Base, utcnow

if TYPE_CHECKING:
    from .project import Project


#: ``InstanceState.info`` key: the login (:mod:`taskboard.auth.sessions`) this object was
#: loaded through or has just started, as its cookie carries it.
LOGIN_KEY = "taskboard.login"


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

    def login_key(self) -> str:
        """What Flask-Login keeps in the session and the "keep me logged in" cookie (its
        ``id_attribute``): the key of this user's current login, not the bare id, so that
        ending the login (a row of ``login_session``) ends every cookie holding it.

        :raises LookupError: no login was started or loaded for this object.
        """
        key = inspect(self).info.get(LOGIN_KEY)
        if not isinstance(key, str):
            raise LookupError(f"{self!r} has no login: start one with auth.sessions.begin()")
        return key

    @property
    def tombstone_actor(self) -> str:
        """How this user is recorded as the actor of an operation."""
        return f"user:{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"
