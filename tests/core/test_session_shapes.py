"""Session code as applications write it, beside the flush's ordering (test_one_flush.py):
a row replaced by a new instance with its key, optimistic concurrency, bulk deletes with
RETURNING and with filters that read other soft models, a hard model linked to soft rows
through an association table, and the relationships that decide no rule (viewonly) or one
the engine cannot follow (a delete cascade over some of the linked rows). Each compared with
the plain unit of work where it has an answer."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, sessionmaker

from flask_tombstone.core import (
    UNGOVERNED,
    Blocked,
    ConfigurationError,
    Conflict,
    Operation,
    SoftDeleteMixin,
    unique_live,
)

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


def test_a_row_replaced_by_a_new_instance_with_its_key(world: World) -> None:
    """``delete(old)`` and ``add(New(same key))`` in one flush: the unit of work writes an
    ``UPDATE`` of the row (its "row switch"); so does the governed session."""

    class Setting(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_setting"
        id: Mapped[str] = mapped_column(String(20), primary_key=True)
        value: Mapped[str] = mapped_column(String(20))

    with world.create() as session:
        session.add(Setting(id="theme", value="dark"))
        session.commit()
        session.delete(session.get(Setting, "theme"))
        session.add(Setting(id="theme", value="light"))
        session.commit()
        assert [(s.id, s.value) for s in session.scalars(select(Setting))] == [("theme", "light")]
        assert session.scalar(select(func.count()).select_from(Operation)) == 0


def test_a_stale_versioned_instance_is_not_deleted(world: World) -> None:
    """``version_id_col``: another transaction's edit since the load refuses the deletion
    (the unit of work raises ``StaleDataError``), nothing written; a fresh one deletes."""

    class Doc(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_doc"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(String(40))
        version: Mapped[int] = mapped_column(Integer, nullable=False)
        __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    with world.create() as session:
        session.add(Doc(id=1, body="draft"))
        session.commit()
    with world.Session() as first:
        stale = first.get(Doc, 1)
        with world.Session() as other:
            other.get(Doc, 1).body = "important edit"
            other.commit()
        first.delete(stale)
        with pytest.raises(Conflict, match="Doc 1 changed"):
            first.flush()
        first.rollback()
        fresh = first.get(Doc, 1)
        assert (fresh.body, fresh.version, fresh.deleted_at) == ("important edit", 2, None)
        first.delete(fresh)
        first.commit()
        assert live(first, Doc) == []


def blog(world: World) -> tuple[Any, Any]:
    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        comments: Mapped[list[Comment]] = relationship(back_populates="post")

    class Comment(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int] = mapped_column(ForeignKey("ss_post.id", ondelete="CASCADE"))
        post: Mapped[Post] = relationship(back_populates="comments")

    return Post, Comment


def test_a_bulk_delete_returns_its_rows(world: World) -> None:
    Post, Comment = blog(world)
    with world.create() as session:
        session.add_all([Post(id=1), Post(id=2)])
        session.flush()
        session.add_all(
            [Comment(id=1, post_id=1), Comment(id=2, post_id=1), Comment(id=3, post_id=2)]
        )
        session.commit()
        gone = delete(Comment).where(Comment.post_id == 1).returning(Comment.id)
        result = session.execute(gone)
        assert sorted(result.scalars().all()) == [1, 2]
        assert session.execute(gone).all() == []  # nothing left to match
        session.commit()
        assert live(session, Comment) == [3]


def test_a_bulk_delete_filter_does_not_see_the_trash(world: World) -> None:
    """``delete(Post).where(~Post.comments.any())``: a post whose comments are all in the
    trash has none, as an ORM query with the same filter says."""
    Post, Comment = blog(world)
    with world.create() as session:
        session.add_all([Post(id=1), Post(id=2), Post(id=3)])
        session.flush()
        session.add_all([Comment(id=1, post_id=1), Comment(id=2, post_id=2)])
        session.commit()
        session.delete(session.get(Comment, 2))
        session.commit()
        empty = ~Post.comments.any()
        assert live(session, Post) == [1, 2, 3]
        # (SQLAlchemy 2.1's ORM select with this filter answers [2, 3] too; 2.0's loader
        # criteria do not reach into the EXISTS.)
        assert session.execute(delete(Post).where(empty)).rowcount == 2
        # An IN over another soft model's rows: the trashed comment's post is not in it.
        assert (
            session.execute(delete(Post).where(Post.id.in_(select(Comment.post_id)))).rowcount == 1
        )
        session.commit()
        assert live(session, Post) == []


def test_a_hard_model_linked_to_trashed_rows_through_an_association_table(world: World) -> None:
    """The unit of work's relationship loads do not see the trashed post, so it would leave
    the association row and the database would refuse the tag's DELETE; the engine takes it."""
    post_tag = Table(
        "ss_post_tag",
        world.Base.metadata,
        Column("post_id", ForeignKey("ss_post.id"), primary_key=True),
        Column("tag_id", ForeignKey("ss_tag.id"), primary_key=True),
    )

    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        tags: Mapped[list[Tag]] = relationship(secondary=post_tag, back_populates="posts")

    class Tag(world.Base):  # hard: no mixin
        __tablename__ = "ss_tag"
        id: Mapped[int] = mapped_column(primary_key=True)
        posts: Mapped[list[Post]] = relationship(secondary=post_tag, back_populates="tags")

    with world.create() as session:
        session.add(Post(id=1, tags=[Tag(id=1)]))
        session.commit()
        session.delete(session.get(Post, 1))
        session.commit()
        session.delete(session.get(Tag, 1))
        session.commit()
        assert session.scalars(select(Tag.id)).all() == []
        assert session.execute(select(post_tag)).all() == []
        op = session.scalars(select(Operation).where(Operation.kind == "delete")).first()
        assert op is not None and op.root_model == "Post"
        world.ts.restore(op.id, session=session)
        session.commit()
        assert live(session, Post) == [1]


def test_a_viewonly_relationship_decides_no_rule(world: World) -> None:
    """A nullable key with no ``ondelete`` under a ``viewonly`` relationship: the unit of work
    nulls nothing, the database refuses: so does the engine (it is not ``SET_NULL``)."""

    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        comments: Mapped[list[Comment]] = relationship(viewonly=True)

    class Comment(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int | None] = mapped_column(ForeignKey("ss_post.id"))

    with world.create() as session:
        session.add(Post(id=1))
        session.flush()
        session.add(Comment(id=1, post_id=1))
        session.commit()
        session.delete(session.get(Post, 1))
        with pytest.raises(Blocked):
            session.commit()


def test_a_delete_cascade_over_some_linked_rows_is_refused(world: World) -> None:
    """``Post.pinned_comments`` cascades to the pinned comments only; the key's rule for the
    others is another: one rule per key cannot say it, so the models are refused by name."""

    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        pinned_comments: Mapped[list[Comment]] = relationship(
            primaryjoin="and_(Post.id == Comment.post_id, Comment.pinned == True)",
            cascade="all, delete-orphan",
        )

    class Comment(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        pinned: Mapped[bool] = mapped_column(default=False)
        post_id: Mapped[int | None] = mapped_column(ForeignKey("ss_post.id", ondelete="SET NULL"))

    with pytest.raises(ConfigurationError, match=r"Post\.pinned_comments") as refused:
        world.ts.configure()
    assert (refused.value.model, refused.value.column) == ("Comment", "post_id")


def test_the_same_cascade_over_the_whole_link_is_read(world: World) -> None:
    """An explicit primaryjoin that is only the link (either way round) is an ordinary cascade."""

    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        comments: Mapped[list[Comment]] = relationship(
            primaryjoin="Comment.post_id == Post.id", cascade="all, delete-orphan"
        )

    class Comment(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int] = mapped_column(ForeignKey("ss_post.id"))

    plain = sessionmaker(bind=world.engine, info={UNGOVERNED: True})
    with world.create() as session:
        session.add(Post(id=1, comments=[Comment(id=1)]))
        session.commit()
    with plain() as oracle:
        oracle.delete(oracle.get(Post, 1))
        oracle.flush()
        assert live(oracle, Comment) == []
        oracle.rollback()
    with world.Session() as session:
        session.delete(session.get(Post, 1))
        session.commit()
        assert live(session, Comment) == [] and live(session, Post) == []


def test_a_snapshot_holds_binary_and_json_values(world: World) -> None:
    """JSON has no bytes (SQLite refused the whole hard delete), and a JSON column's document
    is nested, not its text: both read back as they were."""

    class Doc(world.Base):
        __tablename__ = "ss_doc"
        id: Mapped[int] = mapped_column(primary_key=True)
        blob: Mapped[bytes] = mapped_column(LargeBinary)
        meta: Mapped[dict[str, Any]] = mapped_column(JSON)

    with world.create() as session:
        session.add(Doc(id=1, blob=b"\x00\x01\xffbinary", meta={"k": [1, 2], "s": "x"}))
        session.commit()
        op = world.ts.delete(Doc, ids=[1], hard=True, snapshot=True, session=session)
        session.commit()
        assert session.scalars(select(Doc.id)).all() == []
        snapshots = list(world.ts.snapshots(op.id, session=session))
    assert snapshots == [
        ("ss_doc", {"id": 1, "blob": b"\x00\x01\xffbinary", "meta": {"k": [1, 2], "s": "x"}})
    ]


def test_deletions_restored_together_that_clash_are_a_conflict(world: World) -> None:
    """User 1 trashed (e@x), user 2 takes e@x, then its org is trashed with it: restoring
    user 1's deletion with its parents would make both live. The checks compare the rows
    with live ones; the unique index refuses the pair: a Conflict, nothing changed."""

    class Org(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_org"
        id: Mapped[int] = mapped_column(primary_key=True)
        users: Mapped[list[User]] = relationship(cascade="all, delete-orphan")

    class User(SoftDeleteMixin, world.Base):
        __tablename__ = "ss_user"
        __table_args__ = (unique_live("email"),)
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(50))
        org_id: Mapped[int] = mapped_column(ForeignKey("ss_org.id"))

    with world.create() as session:
        session.add(Org(id=1, users=[User(id=1, email="e@x")]))
        session.commit()
        first = world.ts.delete(User, ids=[1], session=session)
        session.commit()
        session.add(User(id=2, email="e@x", org_id=1))
        session.commit()
        world.ts.delete(Org, ids=[1], session=session)
        session.commit()
        before = world.rows(session, "ss_user")
        with pytest.raises(Conflict, match="cannot be restored as things are now"):
            world.ts.restore(first.id, with_parents=True, session=session)
        session.rollback()
        assert world.rows(session, "ss_user") == before
