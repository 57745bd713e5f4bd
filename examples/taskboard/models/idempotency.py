"""Answers to API requests sent with an ``Idempotency-Key``, kept so that a retry gets the
same answer instead of a second deletion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class IdempotentRequest(Base):
    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotent_request_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), info={"on_delete": "KEEP"}
    )
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the method, path and canonical JSON body: same key, other body → 422.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(default=None)  # None while running
    body: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
