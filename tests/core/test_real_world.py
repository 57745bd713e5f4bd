"""Models shaped the way other people write them (issue 9), each declared AFTER the Tombstone:
delete-orphan cascades, inheritance of both kinds, UUID and string keys, the session's life
cycle around refusals and rollbacks, hidden refreshes, purge and restore edge cases."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import ForeignKey, String, Uuid, func, select, update
from sqlalchemy.orm import (
    Mapped,
    mapped_column,
    relationship,
)
from sqlalchemy.orm.exc import ObjectDeletedError

from flask_tombstone.core import (
    Blocked,
    Conflict,
    InvalidTarget,
    NotFound,
    SoftDeleteMixin,
    unique_live,
)

from .fresh_world import World, world_fixture  # noqa: F401  (the fixture)


def blog(world: World) -> tuple[Any, Any]:
    B = world.Base

    class Post(SoftDeleteMixin, B):
        __tablename__ = "rw_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(40))
        comments: Mapped[list[Comment]] = relationship(
            back_populates="post", cascade="all, delete-orphan"
        )

    class Comment(SoftDeleteMixin, B):
        __tablename__ = "rw_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(String(40))
        post_id: Mapped[int] = mapped_column(ForeignKey("rw_post.id"))
        post: Mapped[Post] = relationship(back_populates="comments")

    return Post, Comment


def test_delete_orphan_cascade_through_session_delete(world: World) -> None:
    Post, Comment = blog(world)
    with world.create() as session:
        post = Post(title="p", comments=[Comment(body="a"), Comment(body="b")])
        session.add_all([post, Post(title="other", comments=[Comment(body="c")])])
        session.commit()
        before = world.rows(session, "rw_comment")
        session.delete(post)
        session.commit()
        assert post.title == "p" and post.is_deleted  # readable, like after a hard delete
        assert session.scalars(select(Comment.body)).all() == ["c"]
        trashed = session.scalars(select(Comment).execution_options(only_deleted=True)).all()
        assert len({c.deleted_by_op for c in trashed}) == 1 and len(trashed) == 2
        world.ts.restore(trashed[0].deleted_by_op, session=session)
        session.commit()
        assert world.rows(session, "rw_comment") == before
        # An orphan of a delete-orphan collection is soft-deleted, not DELETEd.
        other = session.scalars(select(Post).where(Post.title == "other")).one()
        other.comments.remove(other.comments[0])
        session.commit()
        assert session.scalar(select(func.count()).select_from(Comment)) == 2
        count = select(func.count()).select_from(Comment)
        assert session.scalar(count.execution_options(only_deleted=True)) == 1
        assert session.scalar(count.execution_options(include_deleted=True)) == 3


def test_refused_and_rolled_back_deletes_leave_objects_attached(world: World) -> None:
    B = world.Base

    class Author(SoftDeleteMixin, B):
        __tablename__ = "rw_author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    class Book(SoftDeleteMixin, B):
        __tablename__ = "rw_book"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(ForeignKey("rw_author.id", ondelete="RESTRICT"))

    with world.create() as session:
        author = Author(name="ann")
        session.add(author)
        session.flush()
        session.add(Book(author_id=author.id))
        session.commit()
        session.delete(author)
        with pytest.raises(Blocked):
            session.commit()
        assert not author.is_deleted and author in session
        author.name = "ann b"  # the view's later edits are saved
        session.commit()
        assert world.rows(session, "rw_author")[0][1] == "ann b"
        # A delete that ran, then was rolled back: the instance is back, live.
        book = session.scalars(select(Book)).one()
        session.delete(book)
        session.flush()
        session.rollback()
        assert book in session and not book.is_deleted
        assert session.get(Book, book.id) is book


def test_trashed_rows_hidden_from_refresh_and_expired_loads(world: World) -> None:
    Post, _ = blog(world)
    with world.create() as session, world.Session() as other:
        post = Post(title="p")
        session.add(post)
        session.flush()
        post_id = post.id
        session.commit()  # expires post
        world.ts.delete(other.get(Post, post_id))
        other.commit()
        with pytest.raises(ObjectDeletedError):
            _ = post.title
        assert session.get(Post, post_id) is None


def test_inheritance_single_and_joined(world: World) -> None:
    B = world.Base

    class Employee(SoftDeleteMixin, B):
        __tablename__ = "rw_employee"
        id: Mapped[int] = mapped_column(primary_key=True)
        type: Mapped[str] = mapped_column(String(20))
        name: Mapped[str] = mapped_column(String(40))
        __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}  # noqa: RUF012

    class Manager(Employee):
        __mapper_args__ = {"polymorphic_identity": "manager"}  # noqa: RUF012

    class Engineer(Employee):
        __mapper_args__ = {"polymorphic_identity": "engineer"}  # noqa: RUF012

    class Device(SoftDeleteMixin, B):
        __tablename__ = "rw_device"
        id: Mapped[int] = mapped_column(primary_key=True)
        kind: Mapped[str] = mapped_column(String(20))
        name: Mapped[str] = mapped_column(String(40))
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "device"}  # noqa: RUF012

    class Laptop(Device):
        __tablename__ = "rw_laptop"
        id: Mapped[int] = mapped_column(ForeignKey("rw_device.id"), primary_key=True)
        ram: Mapped[int]
        __mapper_args__ = {"polymorphic_identity": "laptop"}  # noqa: RUF012

    class Charger(SoftDeleteMixin, B):
        __tablename__ = "rw_charger"
        id: Mapped[int] = mapped_column(primary_key=True)
        laptop_id: Mapped[int] = mapped_column(ForeignKey("rw_laptop.id", ondelete="CASCADE"))

    ts = world.ts
    with world.create() as session:
        engineer = Engineer(name="e")
        big, small = Laptop(name="big", ram=64), Laptop(name="small", ram=8)
        session.add_all([Manager(name="m"), engineer, Device(name="d"), big, small])
        session.flush()
        session.add_all([Charger(laptop_id=big.id), Charger(laptop_id=small.id)])
        session.commit()
        op = ts.delete(select(Manager).where(Manager.name != ""), session=session)
        assert op.counts == {"Employee": 1}
        with pytest.raises(NotFound):
            ts.delete(Manager, ids=[engineer.id], session=session)
        assert session.query(Manager).filter(Manager.name != "").delete() == 0
        session.commit()
        assert session.scalars(select(Employee.name)).all() == ["e"]
        query = select(Laptop).where(Laptop.ram >= 32)
        assert ts.preview(query, session=session).counts == {"Device": 1, "Charger": 1}
        op = ts.delete(query, session=session)
        assert op.counts == {"Device": 1, "Charger": 1}
        session.commit()
        ts.restore(op.id, session=session)
        session.commit()
        gone = ts.delete(query, hard=True, snapshot=True, session=session)
        session.commit()
        assert gone.counts == {"Device": 1, "Charger": 1}
        assert {table for table, _ in ts.snapshots(gone.id, session=session)} == {
            "rw_device",
            "rw_laptop",
            "rw_charger",
        }
        assert [r[0] for r in world.rows(session, "rw_laptop")] == [small.id]
        assert len(world.rows(session, "rw_device")) == 2


def test_uuid_and_string_keys(world: World) -> None:
    B = world.Base

    class Folder(SoftDeleteMixin, B):
        __tablename__ = "rw_folder"
        id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
        name: Mapped[str] = mapped_column(String(40))
        notes: Mapped[list[Note]] = relationship(cascade="all, delete-orphan")

    class Note(SoftDeleteMixin, B):
        __tablename__ = "rw_note"
        id: Mapped[str] = mapped_column(String(36), primary_key=True)
        folder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rw_folder.id"))

    ts = world.ts
    with world.create() as session:
        folder = Folder(name="f", notes=[Note(id="n-1"), Note(id="n-2")])
        session.add(folder)
        session.commit()
        key = folder.id
        plan = ts.preview(Folder, ids=[str(key)], session=session)
        assert plan.counts == {"Folder": 1, "Note": 2}
        assert plan.samples["Note"][0].id == "n-1"
        op = ts.delete(Folder, ids=[key], session=session, expect=plan.token)
        session.commit()
        assert session.get(Folder, key) is None
        ts.restore(op.id, session=session)
        session.commit()
        with pytest.raises(InvalidTarget):
            ts.delete(Folder, ids=["not-a-uuid"], session=session)
        with pytest.raises(InvalidTarget):
            ts.delete(Note, ids=[5], session=session)
        with pytest.raises(InvalidTarget, match="integer primary key"):  # walks key ranges
            ts.delete(select(Note).where(Note.id == "n-1"), chunk_size=10, session=session)
        gone = ts.delete(Note, ids=["n-2"], hard=True, snapshot=True, session=session)
        session.commit()
        assert [row["id"] for _, row in ts.snapshots(gone.id, session=session)] == ["n-2"]


def test_ids_are_never_coerced_to_another_row(world: World) -> None:
    Post, _ = blog(world)
    ts = world.ts
    with world.create() as session:
        session.add(Post(title="one"))
        session.commit()
        for bad in ([1.5], [True], ["01"], ["-0"], ["+1"], [2**63], ["\uff11"]):
            with pytest.raises(InvalidTarget):
                ts.delete(Post, ids=bad, session=session)
        with pytest.raises(TypeError, match="ids="):
            ts.delete(Post, ids=5, session=session)
        with pytest.raises(InvalidTarget):
            ts.delete(select(Post.title).where(Post.id == 1), session=session)
        with pytest.raises(InvalidTarget):
            ts.delete(select(Post).where(Post.id == 1), chunk_size=0, session=session)
        with pytest.raises(InvalidTarget):
            ts.purge(older_than=timedelta(days=-1), session=session)
        with pytest.raises(TypeError, match="older_than"):
            ts.purge(older_than=30, session=session)  # type: ignore[arg-type]
        assert session.scalars(select(Post.title)).all() == ["one"]


def test_purge_and_restore_never_take_what_is_not_theirs(world: World) -> None:
    B = world.Base

    class Thread(SoftDeleteMixin, B):
        __tablename__ = "rw_thread"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(40))

    class Reply(SoftDeleteMixin, B):
        __tablename__ = "rw_reply"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(String(40))
        thread_id: Mapped[int] = mapped_column(ForeignKey("rw_thread.id", ondelete="CASCADE"))
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("rw_reply.id", ondelete="CASCADE"))

    ts = world.ts
    with world.create() as session:
        thread = Thread(title="t")
        session.add(thread)
        session.flush()
        first = Reply(body="first", thread_id=thread.id)
        second = Reply(body="second", thread_id=thread.id)
        session.add_all([first, second])
        session.commit()
        a = ts.delete(first, session=session)  # operation A trashes one reply
        b = ts.delete(thread, session=session)  # B trashes the thread and the other reply
        session.commit()
        with pytest.raises(Blocked) as refused:
            ts.purge(b.id, session=session)
        assert {x.reason for x in refused.value.blockers} == {"other_operation"}
        report = ts.purge(older_than=timedelta(0), session=session)
        assert a.id in {p.op_id for p in report.operations}
        assert b.id in {p.op_id for p in report.operations}
        assert world.rows(session, "rw_reply") == []

        # Hand-undelete: the row leaves its operation; purging that never removes it.
        thread = Thread(title="u")
        session.add(thread)
        session.flush()
        reply = Reply(body="kept", thread_id=thread.id)
        session.add(reply)
        session.flush()
        reply_id = reply.id
        session.commit()
        op = ts.delete(reply, session=session)
        session.commit()
        back = session.get(Reply, reply_id, execution_options={"include_deleted": True})
        assert back is not None
        back.deleted_at = None
        session.commit()
        with pytest.raises(Conflict, match="nothing left"):
            ts.restore(op.id, session=session)
        ts.purge(op.id, session=session)
        session.commit()
        assert [r[1] for r in world.rows(session, "rw_reply")] == ["kept"]

        # A self-referencing row with replies, deleted for good by instance and by ids.
        top = Reply(body="top", thread_id=thread.id)
        session.add(top)
        session.flush()
        session.add(Reply(body="under", thread_id=thread.id, parent_id=top.id))
        session.commit()
        gone = ts.delete(top, hard=True, snapshot=True, session=session)
        assert gone.counts == {"Reply": 2}
        session.commit()
        assert [r[1] for r in world.rows(session, "rw_reply")] == ["kept"]


def test_bulk_update_merge_and_unique_live_without_length(world: World) -> None:
    B = world.Base

    class Member(SoftDeleteMixin, B):
        __tablename__ = "rw_member"
        __table_args__ = (unique_live("email", name="uq_rw_member_email"),)
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(80))
        nick: Mapped[str]  # no length: unique_live must not compile it for MariaDB here

    if world.engine.dialect.name in ("mysql", "mariadb"):
        Member.__table__.c.nick.type = String(40)
    ts = world.ts
    with world.create() as session:
        member = Member(email="a@x", nick="a")
        session.add(member)
        session.commit()
        member_id = member.id
        ts.delete(member, session=session)
        session.commit()
        session.execute(update(Member), [{"id": member_id, "nick": "written"}])
        session.commit()
        assert world.rows(session, "rw_member")[0][2] == "a"
        with pytest.raises(Conflict, match="in the trash"):
            session.merge(Member(id=member_id, email="b@x", nick="b"))
            session.flush()
        session.rollback()
        session.add(Member(email="a@x", nick="again"))  # trashed rows do not hold the e-mail
        session.commit()
