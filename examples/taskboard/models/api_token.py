"""Personal API tokens: a bearer secret per token, stored only as its SHA-256 digest.

The key to the account is ``KEEP`` for the engine: a trashed account keeps its token rows
(they stop working, since the account no longer loads), and Taskboard revokes them when it
deletes the account (``auth.services.close_deleted_accounts``), so that restoring the account
does not bring them back; purging the account removes them through the database's
``ON DELETE CASCADE``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        index=True,
        info={"on_delete": "KEEP"},
    )
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the secret, shown in the settings so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}…>"
