"""The benchmark's tables: a flat soft-deletable ``entry`` for deletes by filter, a
``project -> item -> comment`` tree for the cascade, and ``plain_entry``, the same layout as
``entry`` on a base the engine does not govern, for the tutorials' per-object loop, and
``plain_project -> plain_item -> plain_comment``, the tree as a tutorial maps it (relationship
cascades ``all, delete-orphan``), for the loop over a schema with dependents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flask_tombstone.core import SoftDeleteMixin
from flask_tombstone.core.records import NAMING_CONVENTION

# Autovacuum off on the benchmark's tables: each run vacuums and analyzes explicitly after
# loading, so that no background vacuum lands inside a timed statement.
NO_AUTOVACUUM = {"postgresql_with": {"autovacuum_enabled": "false"}}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PlainBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EntryColumns:
    """The columns of every entry-shaped table (besides the stamp)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(String(200))


class Entry(EntryColumns, SoftDeleteMixin, Base):
    __tablename__ = "entry"
    __table_args__ = NO_AUTOVACUUM


class Project(SoftDeleteMixin, Base):
    __tablename__ = "project"
    __table_args__ = NO_AUTOVACUUM
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))


class Item(SoftDeleteMixin, Base):
    __tablename__ = "item"
    __table_args__ = NO_AUTOVACUUM
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )


class Comment(SoftDeleteMixin, Base):
    __tablename__ = "comment"
    __table_args__ = NO_AUTOVACUUM
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)


class PlainEntry(EntryColumns, PlainBase):
    """``entry``'s layout, column for column and index for index, without the engine."""

    __tablename__ = "plain_entry"
    __table_args__ = NO_AUTOVACUUM
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(), default=None)
    deleted_by_op: Mapped[int | None] = mapped_column(Integer(), default=None, index=True)


class EntryArchive(EntryColumns, PlainBase):
    """Where the hand-written "copy, then delete" keeps deleted entries: the cheapest
    snapshot there is (the rows as they are, no serialisation), to set beside the journal's."""

    __tablename__ = "entry_archive"
    __table_args__ = NO_AUTOVACUUM
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(), default=None)
    deleted_by_op: Mapped[int | None] = mapped_column(Integer(), default=None)


class PlainProject(PlainBase):
    __tablename__ = "plain_project"
    __table_args__ = NO_AUTOVACUUM
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    items: Mapped[list[PlainItem]] = relationship(cascade="all, delete-orphan")


class PlainItem(PlainBase):
    __tablename__ = "plain_item"
    __table_args__ = NO_AUTOVACUUM
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    project_id: Mapped[int] = mapped_column(ForeignKey("plain_project.id"), index=True)
    comments: Mapped[list[PlainComment]] = relationship(cascade="all, delete-orphan")


class PlainComment(PlainBase):
    __tablename__ = "plain_comment"
    __table_args__ = NO_AUTOVACUUM
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("plain_item.id"), index=True)
