"""Logins kept on the server: a session (or "keep me logged in") cookie works only while its
row is here, so that logging out, changing the password or deleting the account ends it.

Only the SHA-256 digest of the login's secret is stored, as for API tokens. The key to the
account is ``KEEP`` for the engine: ending logins is the accounts' business
(:mod:`taskboard.auth.sessions`), which deletes the rows when an account is deleted; purging
the account would remove any left through the database's ``ON DELETE CASCADE``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class LoginSession(Base):
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        index=True,
        info={"on_delete": "KEEP"},
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"
