"""Query paths beside the plain ORM select (test_visibility.py): the reload of an instance
the session added itself (its joined eager loads and column subqueries), the filter of a
bulk DELETE the unit of work runs (a hard model the engine does not govern), and INSERT ...
FROM SELECT. Each reads live rows only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, delete, func, insert, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from flask_tombstone.core import SoftDeleteMixin

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


def blog(world: World) -> tuple[Any, Any]:
    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(40))
        comments: Mapped[list[Comment]] = relationship(
            cascade="all, delete-orphan", order_by="Comment.id", lazy="joined"
        )

    class Comment(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int] = mapped_column(ForeignKey("vp_post.id"))

    Post.comment_count = column_property(  # type: ignore[attr-defined]
        select(func.count(Comment.id))
        .where(Comment.post_id == Post.id)
        .correlate_except(Comment)
        .scalar_subquery()
    )
    return Post, Comment


def test_an_added_instance_reloads_without_trashed_rows(world: World) -> None:
    """Created, committed, a comment deleted, committed: the post's reload (expired at
    commit, or refreshed) has no saved load options to carry the filter; it gets its own."""
    Post, Comment = blog(world)
    with world.create() as session:
        post = Post(id=1, title="hello", comments=[Comment(id=10), Comment(id=11)])
        session.add(post)
        session.commit()
        session.delete(post.comments[0])
        session.commit()
        assert [c.id for c in post.comments] == [11]
        assert post.comment_count == 1
        session.refresh(post)
        assert [c.id for c in post.comments] == [11] and post.comment_count == 1
        session.commit()  # (MariaDB's repeatable read: the next read sees the other's commit)
        with world.Session() as other:  # trashed by another session
            other.delete(other.get(Comment, 11))
            other.commit()
        session.expire(post)
        assert post.comments == [] and post.comment_count == 0


def test_the_filter_of_a_bulk_delete_of_a_hard_model_reads_live_rows(world: World) -> None:
    Post, _ = blog(world)

    class Visit(world.Base):  # hard, no link the engine follows: the unit of work deletes
        __tablename__ = "vp_visit"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int]

    with world.create() as session:
        session.add_all([Post(id=1, title="live"), Post(id=2, title="trashed")])
        session.add_all([Visit(id=1, post_id=1), Visit(id=2, post_id=2)])
        session.commit()
        session.delete(session.get(Post, 2))
        session.commit()
        gone = session.execute(delete(Visit).where(Visit.post_id.in_(select(Post.id))))
        assert gone.rowcount == 1 and live(session, Visit) == [2]
        orphans = ~select(Post.id).where(Post.id == Visit.post_id).exists()
        session.execute(delete(Visit).where(orphans))  # the trashed post's visits
        assert live(session, Visit) == []


def test_insert_from_select_copies_live_rows(world: World) -> None:
    Post, _ = blog(world)

    class Report(world.Base):
        __tablename__ = "vp_report"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(40))

    with world.create() as session:
        session.add_all([Post(id=1, title="live"), Post(id=2, title="trashed")])
        session.commit()
        session.delete(session.get(Post, 2))
        session.commit()
        copy = insert(Report).from_select(["id", "title"], select(Post.id, Post.title))
        session.execute(copy)
        assert live(session, Report) == [1]


# -- the opt-outs ---------------------------------------------------------------------------


def thread(world: World) -> tuple[Any, Any]:
    """A post and its comments, replies pointing at their parent comment."""

    class Topic(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_topic"
        id: Mapped[int] = mapped_column(primary_key=True)
        replies: Mapped[list[Reply]] = relationship(back_populates="topic", order_by="Reply.id")

    class Reply(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_reply"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(String(40))
        topic_id: Mapped[int] = mapped_column(ForeignKey("vp_topic.id"))
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("vp_reply.id"))
        topic: Mapped[Topic] = relationship(back_populates="replies")
        parent: Mapped[Reply | None] = relationship(remote_side=[id])

    return Topic, Reply


def seeded_thread(world: World) -> tuple[Any, Any, Any]:
    Topic, Reply = thread(world)
    session = world.create()
    session.add(Topic(id=1))
    session.flush()
    session.add_all(
        [
            Reply(id=1, body="question", topic_id=1),
            Reply(id=2, body="thanks", topic_id=1),
            Reply(id=3, body="spam", topic_id=1, parent_id=1),
        ]
    )
    session.commit()
    session.delete(session.get(Reply, 3))  # the spam reply alone goes to the trash
    session.commit()
    session.expunge_all()
    return session, Topic, Reply


def test_what_is_loaded_from_the_trash_is_read_as_everywhere_else(world: World) -> None:
    """``only_deleted`` is the trash of the statement's entity: the trashed reply's live
    parent and its topic's live replies load (lazily, joined, selectin), and an ordinary
    query later in the session still sees them."""
    from sqlalchemy.orm import joinedload, selectinload

    session, Topic, Reply = seeded_thread(world)
    with session:  # closed: the fixture drops the tables
        trash = select(Reply).execution_options(only_deleted=True)
        for loads in ((), (joinedload(Reply.parent),), (selectinload(Reply.parent),)):
            (spam,) = session.scalars(trash.options(*loads)).all()
            assert spam.body == "spam" and spam.parent is not None, loads
            assert spam.parent.body == "question"
            assert [r.body for r in spam.topic.replies] == ["question", "thanks"]
            topic = session.scalars(select(Topic)).one()
            assert [r.body for r in topic.replies] == ["question", "thanks"]
            session.expunge_all()


def test_the_trash_through_an_alias_a_count_and_a_page(world: World) -> None:
    """``only_deleted`` / ``include_deleted`` on an aliased entity, a column of one, a legacy
    ``Query.count()``, and the count Flask-SQLAlchemy's ``paginate`` wraps around a select
    (which SQLAlchemy does not pass the select's options to)."""
    from sqlalchemy.orm import aliased

    session, _Topic, Reply = seeded_thread(world)
    with session:  # closed: the fixture drops the tables
        only = {"only_deleted": True}
        alias = aliased(Reply)
        assert session.scalars(select(alias.body).execution_options(**only)).all() == ["spam"]
        assert [r.id for r in session.scalars(select(alias).execution_options(**only))] == [3]
        assert session.query(Reply).execution_options(**only).count() == 1
        for options, expected in ((only, 1), ({"include_deleted": True}, 3), ({}, 2)):
            page = select(Reply).execution_options(**options)
            counted = select(func.count()).select_from(page.order_by(None).subquery())
            assert session.scalar(counted) == expected, options
            assert session.query(Reply).execution_options(**options).count() == expected


def test_a_joined_subclass_column_loads_on_first_access(world: World) -> None:
    """A row read through its base (``select(Employee)``, ``Session.get``) loads its joined
    subclass's own columns on first access, from the subclass table alone (which has no
    stamp): read as the unit of work reads it."""

    class Employee(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_employee"
        id: Mapped[int] = mapped_column(primary_key=True)
        kind: Mapped[str] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "employee"}  # noqa: RUF012

    class Manager(Employee):
        __tablename__ = "vp_manager"
        id: Mapped[int] = mapped_column(ForeignKey("vp_employee.id"), primary_key=True)
        budget: Mapped[int] = mapped_column(default=0)
        __mapper_args__ = {"polymorphic_identity": "manager"}  # noqa: RUF012

    with world.create() as session:
        session.add(Manager(id=1, budget=10))
        session.commit()
        session.expunge_all()
        manager = session.scalars(select(Employee)).one()
        assert isinstance(manager, Manager) and manager.budget == 10
        session.expunge_all()
        fetched = session.get(Employee, 1)
        assert isinstance(fetched, Manager) and fetched.budget == 10


def test_the_trash_of_one_model_reads_every_other_live_however_loaded(world: World) -> None:
    """Post 1 trashed with its comments, comment 3 of live post 2 trashed alone: what a
    ``joinedload`` brings along is read as lazy and ``selectinload`` loads read it (live), a
    union's trash is the trash, and a count wrapped around an aliased trash counts it."""
    from sqlalchemy.orm import aliased, joinedload, selectinload

    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_opost"
        id: Mapped[int] = mapped_column(primary_key=True)
        comments: Mapped[list[Note]] = relationship(
            back_populates="post", cascade="all, delete-orphan", order_by="Note.id"
        )

    class Note(SoftDeleteMixin, world.Base):
        __tablename__ = "vp_onote"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int] = mapped_column(ForeignKey("vp_opost.id"))
        post: Mapped[Post] = relationship(back_populates="comments")

    only = {"only_deleted": True}
    with world.create() as session:
        session.add_all([Post(id=1, comments=[Note(id=1), Note(id=2)]), Post(id=2)])
        session.flush()
        session.add(Note(id=3, post_id=2))
        session.commit()
        world.ts.delete(Post, ids=[1], session=session)
        world.ts.delete(Note, ids=[3], session=session)
        session.commit()
        for loads in (joinedload, selectinload):
            session.expunge_all()
            posts = (
                session.scalars(
                    select(Post).options(loads(Post.comments)).execution_options(**only)
                )
                .unique()
                .all()
            )
            assert [(p.id, [n.id for n in p.comments]) for p in posts] == [(1, [])], loads
            session.expunge_all()
            notes = (
                session.scalars(select(Note).options(loads(Note.post)).execution_options(**only))
                .unique()
                .all()
            )
            assert sorted((n.id, n.post and n.post.id) for n in notes) == [
                (1, None),
                (2, None),
                (3, 2),
            ]
        both = select(Post).where(Post.id <= 2).union(select(Post).where(Post.id == 2))
        assert (
            session.scalars(select(Post).from_statement(both).execution_options(**only)).all()[0].id
            == 1
        )
        trash = select(aliased(Post)).execution_options(**only)
        assert session.scalar(select(func.count()).select_from(trash.subquery())) == 1
