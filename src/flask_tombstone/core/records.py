"""The operations table and the journal: the engine's own, protected, records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Index, Integer, MetaData, String, Table, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from . import journal_storage
from .policy import Policy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (the form every supported database stores alike)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class RecordBase(DeclarativeBase):
    """Declarative base of the engine's own tables (copied into the application's metadata)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OperationKind:
    """What an :class:`Operation` did (its ``kind``): ``delete`` (to the trash),
    ``hard_delete``, ``restore`` or ``purge``."""

    DELETE = "delete"
    HARD_DELETE = "hard_delete"
    RESTORE = "restore"
    PURGE = "purge"
    ALL = (DELETE, HARD_DELETE, RESTORE, PURGE)  # the order the log's filters list them


class OperationStatus:
    """Where an :class:`Operation` is (its ``status``): ``running`` while its statements run
    in the caller's transaction, ``done`` once it finished."""

    RUNNING = "running"
    DONE = "done"


class Operation(RecordBase):
    """One call of delete, restore or purge. Append-only: never deleted, sealed into a chain.

    ``counts`` maps model names to the rows the operation removed (or brought back);
    ``effects`` holds what a hard delete changed around them (links nulled, rows detached);
    ``ref_op`` names the operation a restore or purge acted on.
    """

    __tablename__ = "tombstone_operation"
    __tombstone_policy__: ClassVar[Policy] = Policy.PROTECTED
    __table_args__ = (Index("ix_tombstone_operation_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=OperationStatus.RUNNING)
    actor: Mapped[str | None] = mapped_column(String(255), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    root_model: Mapped[str] = mapped_column(String(128))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    effects: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ref_op: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(), default=None)
    seal_seq: Mapped[int | None] = mapped_column(Integer, default=None, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # How the hash was made: NULL (before 0.2), "sha256" (no key), "hmac-<key id>".
    seal_key: Mapped[str | None] = mapped_column(String(32), default=None)

    @property
    def target_rows(self) -> int | None:
        """Rows the call itself matched (the rest of its model's count came through a
        self-reference): what ``query.delete()`` returns. Known on the operation a call
        returns; not stored."""
        value = self.__dict__.get("_tombstone_target_rows")
        return None if value is None else int(value)

    @target_rows.setter
    def target_rows(self, value: int | None) -> None:
        self.__dict__["_tombstone_target_rows"] = value

    @property
    def parent_restores(self) -> list[Operation]:
        """On the restore ``restore(..., with_parents=True)`` returns: the restores of the
        parents' deletions the same call made, in the order they ran (not stored)."""
        held: list[Operation] = self.__dict__.get("_tombstone_parent_restores", [])
        return held

    @parent_restores.setter
    def parent_restores(self, value: list[Operation]) -> None:
        self.__dict__["_tombstone_parent_restores"] = value

    @property
    def total(self) -> int:
        """Rows removed (or brought back) across every model."""
        return sum(self.counts.values())

    def __repr__(self) -> str:
        return f"<Operation {self.id} {self.kind} {self.root_model} {self.counts}>"


class JournalKind:
    SNAPSHOT = "snapshot"
    SET_NULL = "set_null"
    DETACH = "detach"


class JournalEntry(RecordBase):
    """A per-row record, only where the row itself cannot carry the truth.

    ``snapshot``: a hard-deleted row's values; ``set_null``: the value a hard delete nulled
    (``column`` says which); ``detach``: an association row a hard delete removed.
    """

    __tablename__ = "tombstone_journal"
    __tombstone_policy__: ClassVar[Policy] = Policy.PROTECTED

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    table_name: Mapped[str] = mapped_column(String(128))
    row_id: Mapped[int | None] = mapped_column(Integer, default=None)
    column: Mapped[str | None] = mapped_column(String(128), default=None)
    data: Mapped[Any] = mapped_column(JSON, default=None)


event.listen(JournalEntry.__table__, "after_create", journal_storage.on_create)

RECORD_TABLES: tuple[Table, ...] = (
    Operation.__table__,  # type: ignore[assignment]
    JournalEntry.__table__,
)


def install_tables(metadata: MetaData) -> None:
    """Copy the engine's tables into the application's metadata, so that ``create_all`` and
    Alembic's autogenerate see them beside the application's own tables."""
    for table in RECORD_TABLES:
        if table.name not in metadata.tables:
            copy = table.to_metadata(metadata)
            if table is JournalEntry.__table__:  # listeners are not copied along
                event.listen(copy, "after_create", journal_storage.on_create)
