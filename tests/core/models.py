"""A model graph exercising every rule, for the engine tests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flask_tombstone.core import KEEP, ProtectedMixin, SoftDeleteMixin, unique_live
from flask_tombstone.core.records import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


item_tag = Table(
    "item_tag",
    Base.metadata,
    Column("item_id", ForeignKey("item.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


def edit_time() -> datetime:
    return datetime(2030, 1, 1, 12, 0, 0)


class User(SoftDeleteMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (unique_live("email", name="uq_user_email_live"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(120))
    projects: Mapped[list[Project]] = relationship(back_populates="owner")


class Project(SoftDeleteMixin, Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    owner: Mapped[User] = relationship(back_populates="projects")
    items: Mapped[list[Item]] = relationship(back_populates="project")


class Item(SoftDeleteMixin, Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="open")
    due: Mapped[date | None] = mapped_column(default=None)
    edited_at: Mapped[datetime | None] = mapped_column(default=None, onupdate=edit_time)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    project: Mapped[Project] = relationship(back_populates="items")
    assignee: Mapped[User | None] = relationship()
    comments: Mapped[list[Comment]] = relationship(back_populates="item")
    tags: Mapped[list[Tag]] = relationship(secondary=item_tag)


class Comment(SoftDeleteMixin, Base):
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), default=None
    )
    item: Mapped[Item] = relationship(back_populates="comments")


class Tag(SoftDeleteMixin, Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class LegalHold(ProtectedMixin, Base):
    """Protected: a hold on a project; its CASCADE link blocks deleting the project."""

    __tablename__ = "legal_hold"
    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(String(80))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))


class Log(Base):
    """A hard model outside the soft graph, with a KEEP link to items."""

    __tablename__ = "log"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[int | None] = mapped_column(Integer, info={"on_delete": KEEP}, default=None)


class Folder(Base):
    """Hard models with a hard cascade, for hard deletes of non-soft graphs."""

    __tablename__ = "folder"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class File(Base):
    __tablename__ = "file"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    folder_id: Mapped[int] = mapped_column(ForeignKey("folder.id", ondelete="CASCADE"))


class Setting(Base):
    """A hard model keyed by a string, for snapshots of non-integer keys."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
