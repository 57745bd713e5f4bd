"""Rules read from the mappers; impossible configurations fail at setup, named."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import Column, ForeignKey, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship

from flask_tombstone.core import ConfigurationError, Policy, Rule, SoftDeleteMixin, Tombstone

from .models import Base


def rules(base: type[DeclarativeBase]) -> dict[str, Rule]:
    graph = Tombstone(base).configure()
    return {edge.name: edge.rule for edge in graph.edges}


def test_rules_of_the_test_models() -> None:
    assert rules(Base) == {
        "item_tag.item_id": Rule.DETACH,
        "item_tag.tag_id": Rule.DETACH,
        "Project.owner_id": Rule.RESTRICT,
        "Item.project_id": Rule.CASCADE,
        "Item.assignee_id": Rule.SET_NULL,
        "Comment.item_id": Rule.CASCADE,
        "Comment.parent_id": Rule.CASCADE,
        "LegalHold.project_id": Rule.CASCADE,
        "File.folder_id": Rule.CASCADE,
    }
    graph = Tombstone(Base).configure()
    policies = {node.name: node.policy for node in graph.nodes.values()}
    assert policies["Item"] is Policy.SOFT and policies["Folder"] is Policy.HARD
    assert policies["LegalHold"] is Policy.PROTECTED and policies["Operation"] is Policy.PROTECTED


def fresh_base() -> type[DeclarativeBase]:
    class Fresh(DeclarativeBase):
        metadata = MetaData()

    return Fresh


def test_relationship_cascade_and_defaults() -> None:
    B = fresh_base()

    class Parent(SoftDeleteMixin, B):
        __tablename__ = "parent"
        id: Mapped[int] = mapped_column(primary_key=True)
        kids: Mapped[list[Kid]] = relationship(
            cascade="all, delete-orphan", foreign_keys="Kid.parent_id"
        )
        pals: Mapped[list[Kid]] = relationship(foreign_keys="Kid.pal_id")

    class Kid(SoftDeleteMixin, B):
        __tablename__ = "kid"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))
        buddy_id: Mapped[int | None] = mapped_column(ForeignKey("parent.id"))
        pal_id: Mapped[int | None] = mapped_column(ForeignKey("parent.id"))
        boss_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))
        kept_id: Mapped[int] = mapped_column(ForeignKey("parent.id"), info={"on_delete": "keep"})

    found = rules(B)
    assert found["Kid.parent_id"] is Rule.CASCADE  # delete-orphan relationship
    # Nullable, nothing declared: the unit of work nulls what a relationship loads ...
    assert found["Kid.pal_id"] is Rule.SET_NULL
    # ... and leaves any other link to the database's NO ACTION, which refuses.
    assert found["Kid.buddy_id"] is Rule.RESTRICT
    assert found["Kid.boss_id"] is Rule.RESTRICT  # NOT NULL, nothing declared
    assert found["Kid.kept_id"] is Rule.KEEP


def test_set_null_on_not_null_column_fails_naming_it() -> None:
    B = fresh_base()

    class Owner(B):
        __tablename__ = "owner"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Pet(B):
        __tablename__ = "pet"
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="SET NULL"))

    with pytest.raises(ConfigurationError) as caught:
        Tombstone(B).configure()
    assert (caught.value.model, caught.value.column) == ("Pet", "owner_id")
    assert "NOT NULL" in str(caught.value)


def test_soft_cascade_into_hard_model_fails_naming_it() -> None:
    B = fresh_base()

    class Album(SoftDeleteMixin, B):
        __tablename__ = "album"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Photo(B):
        __tablename__ = "photo"
        id: Mapped[int] = mapped_column(primary_key=True)
        album_id: Mapped[int] = mapped_column(ForeignKey("album.id", ondelete="CASCADE"))

    with pytest.raises(ConfigurationError, match="Photo") as caught:
        Tombstone(B).configure()
    assert caught.value.column == "album_id"


def test_a_soft_models_cascade_against_the_key_into_a_hard_model_fails_naming_it() -> None:
    """``user.address`` (many-to-one) and ``post.tags`` (many-to-many) with a delete cascade:
    trashing the soft row would have the unit of work remove the hard rows for good."""
    B = fresh_base()

    class Address(B):
        __tablename__ = "address"
        id: Mapped[int] = mapped_column(primary_key=True)

    class User(SoftDeleteMixin, B):
        __tablename__ = "user"
        id: Mapped[int] = mapped_column(primary_key=True)
        address_id: Mapped[int | None] = mapped_column(ForeignKey("address.id"))
        address: Mapped[Address | None] = relationship(
            cascade="all, delete-orphan", single_parent=True
        )

    with pytest.raises(ConfigurationError, match=r"User\.address cascades .* into Address"):
        Tombstone(B).configure()

    M = fresh_base()
    link = Table(
        "post_tag",
        M.metadata,
        Column("post_id", ForeignKey("post.id"), primary_key=True),
        Column("tag_id", ForeignKey("tag.id"), primary_key=True),
    )

    class Tag(M):
        __tablename__ = "tag"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Post(SoftDeleteMixin, M):
        __tablename__ = "post"
        id: Mapped[int] = mapped_column(primary_key=True)
        tags: Mapped[list[Tag]] = relationship(secondary=link, cascade="all")

    with pytest.raises(ConfigurationError, match=r"Post\.tags cascades .* into Tag"):
        Tombstone(M).configure()


@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_relationships_the_unit_of_work_never_loads_leave_the_rule_to_the_database() -> None:
    """A ``noload`` collection is empty to the unit of work and a write-only one is never
    loaded: neither cascades nor nulls anything, the key's ``ondelete`` decides."""
    B = fresh_base()

    class Author(SoftDeleteMixin, B):
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)
        books: Mapped[list[Book]] = relationship(lazy="noload")
        notes: Mapped[list[Note]] = relationship(lazy="noload", cascade="all, delete-orphan")
        posts: WriteOnlyMapped[Post] = relationship()

    class Book(SoftDeleteMixin, B):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id"))

    class Note(SoftDeleteMixin, B):
        __tablename__ = "note"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="SET NULL"))

    class Post(SoftDeleteMixin, B):
        __tablename__ = "post"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"))

    assert rules(B) == {
        "Book.author_id": Rule.RESTRICT,  # the database's NO ACTION, not the ORM's SET NULL
        "Note.author_id": Rule.SET_NULL,  # not the noload relationship's cascade
        "Post.author_id": Rule.CASCADE,  # not the ORM's SET NULL: it never loads them
    }


def test_cascade_cycle_fails() -> None:
    B = fresh_base()

    class A(SoftDeleteMixin, B):
        __tablename__ = "a"
        id: Mapped[int] = mapped_column(primary_key=True)
        b_id: Mapped[int | None] = mapped_column(ForeignKey("b.id", ondelete="CASCADE"))

    class Bee(SoftDeleteMixin, B):
        __tablename__ = "b"
        id: Mapped[int] = mapped_column(primary_key=True)
        a_id: Mapped[int | None] = mapped_column(ForeignKey("a.id", ondelete="CASCADE"))
        name: Mapped[str] = mapped_column(String(10))

    with pytest.raises(ConfigurationError, match="cycle"):
        Tombstone(B).configure()


def test_core_never_imports_flask() -> None:
    code = (
        "import sys, flask_tombstone.core as core\n"
        "assert core.Tombstone\n"
        "bad = sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask.'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_relationship_that_nulls_the_link_decides_before_ondelete() -> None:
    """The unit of work nulls a nullable link its relationship loads (no passive_deletes)
    before the database's ON DELETE acts; passive_deletes leaves it to the database."""
    B = fresh_base()

    class Box(B):
        __tablename__ = "box"
        id: Mapped[int] = mapped_column(primary_key=True)
        loose: Mapped[list[Thing]] = relationship(foreign_keys="Thing.loose_id")
        left: Mapped[list[Thing]] = relationship(foreign_keys="Thing.left_id", passive_deletes=True)
        held: Mapped[list[Thing]] = relationship(foreign_keys="Thing.held_id")

    class Thing(B):
        __tablename__ = "thing"
        id: Mapped[int] = mapped_column(primary_key=True)
        loose_id: Mapped[int | None] = mapped_column(ForeignKey("box.id", ondelete="CASCADE"))
        left_id: Mapped[int | None] = mapped_column(ForeignKey("box.id", ondelete="CASCADE"))
        held_id: Mapped[int] = mapped_column(ForeignKey("box.id", ondelete="CASCADE"))

    found = rules(B)
    assert found["Thing.loose_id"] is Rule.SET_NULL
    assert found["Thing.left_id"] is Rule.CASCADE
    assert found["Thing.held_id"] is Rule.CASCADE  # NOT NULL: the database's rule
