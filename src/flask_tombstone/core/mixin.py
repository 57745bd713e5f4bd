"""The soft-delete mixin and the marker for protected models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column, with_loader_criteria

from .policy import Policy


class SoftDeleteMixin:
    """Make a declarative model soft-deletable.

    Adds two columns: ``deleted_at`` (UTC, ``NULL`` while the row is live) and
    ``deleted_by_op`` (the id of the operation that put the row in the trash, indexed so that
    restore and purge find an operation's rows in one statement).

    .. versionadded:: 0.1
    """

    __tombstone_policy__: ClassVar[Policy] = Policy.SOFT

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(), default=None)
    deleted_by_op: Mapped[int | None] = mapped_column(Integer(), default=None, index=True)

    @property
    def is_deleted(self) -> bool:
        """Whether this row is in the trash."""
        return self.deleted_at is not None


class ProtectedMixin:
    """Mark a model whose rows may never be deleted (audit tables, legal holds).

    .. versionadded:: 0.1
    """

    __tombstone_policy__: ClassVar[Policy] = Policy.PROTECTED


def policy_of(cls: type) -> Policy:
    """The deletion policy declared by a mapped class (``HARD`` when it declares none)."""
    policy = getattr(cls, "__tombstone_policy__", Policy.HARD)
    if not isinstance(policy, Policy):
        policy = Policy(policy)
    return policy


INCLUDE_DELETED = "include_deleted"  # execution option: trashed rows too
ONLY_DELETED = "only_deleted"  # execution option: the trash only


def live(cls: Any) -> Any:
    """The criterion of a soft model's live rows."""
    return cls.deleted_at.is_(None)


HIDE_TRASHED = with_loader_criteria(SoftDeleteMixin, live, include_aliases=True)
"""The loader option that hides the trashed rows of every soft model an ORM statement reads,
its subqueries and aliases included."""
