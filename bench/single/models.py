"""A Taskboard-shaped schema for the single-row benchmark: accounts own projects, projects
hold items, items hold comments (both cascades soft), and a permission hook written as
Taskboard's is: a member deletes what they own or what is in a project they own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    exists,
    or_,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone.core import SoftDeleteMixin
from flask_tombstone.core.records import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    __tablename__ = "s_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))


class Project(SoftDeleteMixin, Base):
    __tablename__ = "s_project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("s_account.id"), index=True)


class Item(SoftDeleteMixin, Base):
    __tablename__ = "s_item"
    __table_args__ = (Index("ix_s_item_listing", "project_id", "id", "deleted_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    project_id: Mapped[int] = mapped_column(ForeignKey("s_project.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("s_account.id"), index=True)


class Comment(SoftDeleteMixin, Base):
    __tablename__ = "s_comment"
    __table_args__ = (Index("ix_s_comment_listing", "item_id", "id", "deleted_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("s_item.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("s_account.id"), index=True)


@dataclass(frozen=True)
class Actor:
    """The signed-in user, as an application holds it (what the permission hook reads)."""

    id: int
    role: str = "member"

    @property
    def tombstone_actor(self) -> str:
        return f"account:{self.id}"


OWNER = Actor(1)  # owns every project: may delete every item and comment in them
AUTHOR = 2  # owns the items and writes the comments


def _owned_project(user_id: int, project_id: Any) -> ColumnElement[bool]:
    return exists().where(Project.id == project_id, Project.owner_id == user_id)


def deletable(actor: Any, model: type) -> ColumnElement[bool] | None:
    """Taskboard's rule, each criterion an ``EXISTS`` correlated on the row's own keys (the
    form docs/engine.md recommends): its cost is the rows checked, not the tables' size."""
    if isinstance(actor, str) and actor.startswith("account:"):
        actor = Actor(int(actor.removeprefix("account:")))  # the recorded form (older engines)
    if not isinstance(actor, Actor) or actor.role == "admin":
        return None
    if model is Item:
        return or_(Item.owner_id == actor.id, _owned_project(actor.id, Item.project_id))
    if model is Comment:
        in_owned = exists().where(
            Item.id == Comment.item_id, _owned_project(actor.id, Item.project_id)
        )
        return or_(Comment.author_id == actor.id, in_owned)
    if model is Project:
        return Project.owner_id == actor.id
    return None


def actor_key(actor: Any) -> Any:
    """Everything of the actor the hooks read (``Tombstone(permission_key=...)``): their
    criteria are then built once per actor and model."""
    return (actor.id, actor.role) if isinstance(actor, Actor) else None


def deletable_in(actor: Any, model: type) -> ColumnElement[bool] | None:
    """The same rule written with ``IN (SELECT ...)`` subqueries, as Taskboard's hook was:
    for comparison (``--hook in``)."""
    if isinstance(actor, str) and actor.startswith("account:"):
        actor = Actor(int(actor.removeprefix("account:")))
    if not isinstance(actor, Actor) or actor.role == "admin":
        return None
    owned = select(Project.id).where(Project.owner_id == actor.id)
    if model is Item:
        return or_(Item.owner_id == actor.id, Item.project_id.in_(owned))
    if model is Comment:
        in_owned = select(Item.id).where(Item.project_id.in_(owned))
        return or_(Comment.author_id == actor.id, Comment.item_id.in_(in_owned))
    if model is Project:
        return Project.owner_id == actor.id
    return None
