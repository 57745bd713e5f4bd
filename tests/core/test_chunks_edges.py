"""Chunked deletes and purges at their edges, each against what one delete (or the docs)
gives: a self-reference whose replies lie beyond a chunk's keys, keys of zero and below, ids
that are not all there, a row brought back by hand during a chunked purge; and snapshots of
a NULL binary value."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import ForeignKey, LargeBinary, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone.core import AlreadyGone, Blocked, InvalidTarget, NotFound, SoftDeleteMixin

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


def replies(world: World) -> Any:
    class Reply(SoftDeleteMixin, world.Base):
        __tablename__ = "ce_reply"
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        body: Mapped[str] = mapped_column(String(20))
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("ce_reply.id", ondelete="CASCADE"))

    return Reply


def test_a_chunked_delete_takes_every_level_of_a_self_reference(world: World) -> None:
    """Spam 1 has reply 5, which has reply 9: chunks of one key take the whole thread, as
    one delete does, and the counts say so."""
    Reply = replies(world)
    with world.create() as session:
        session.add_all(
            [
                Reply(id=1, body="spam", parent_id=None),
                Reply(id=2, body="spam", parent_id=None),
                Reply(id=3, body="ham", parent_id=None),
            ]
        )
        session.flush()
        session.add(Reply(id=5, body="re", parent_id=1))
        session.flush()
        session.add(Reply(id=9, body="re re", parent_id=5))
        session.commit()
        spam = select(Reply).where(Reply.body == "spam")
        preview = world.ts.preview(spam, session=session)
        op = world.ts.delete(spam, chunk_size=1, expect=preview.token, session=session)
        assert op.counts == preview.counts == {"Reply": 4}
        assert live(session, Reply) == [3]


def test_a_chunked_delete_takes_keys_of_zero_and_below(world: World) -> None:
    Reply = replies(world)
    with world.create() as session:
        session.add_all(Reply(id=key, body="done") for key in (-2, 0, 1, 2))
        session.commit()
        done = select(Reply).where(Reply.body == "done")
        op = world.ts.delete(done, chunk_size=1, session=session)
        assert op.counts == {"Reply": 4} and live(session, Reply) == []


def test_a_chunked_delete_by_ids_checks_them_as_one_delete_does(world: World) -> None:
    Reply = replies(world)
    with world.create() as session:
        session.add_all(Reply(id=key, body="x") for key in (1, 2, 3))
        session.commit()
        world.ts.delete(Reply, ids=[2], session=session)
        session.commit()
        for ids, refused in (([1, 99], NotFound), ([1, 2], AlreadyGone)):
            with pytest.raises(refused):
                world.ts.delete(Reply, ids=ids, chunk_size=10, session=session)
            session.rollback()
            assert live(session, Reply) == [1, 3]
        op = world.ts.delete(Reply, ids=[1, 99], chunk_size=10, missing_ok=True, session=session)
        assert op.counts == {"Reply": 1} and live(session, Reply) == [3]


def test_a_chunked_purge_ends_past_a_row_brought_back_by_hand(world: World) -> None:
    """The row keeps its stamp (an ORM bulk UPDATE of ``deleted_at`` only): it is live, the
    purge takes the others and finishes (it went round for ever)."""
    Reply = replies(world)
    with world.create() as session:
        session.add_all(Reply(id=key, body="x") for key in (1, 2, 3))
        session.commit()
        op = world.ts.delete(Reply, ids=[1, 2, 3], session=session)
        session.commit()
        back = update(Reply).where(Reply.id == 2).values(deleted_at=None)
        session.execute(back.execution_options(include_deleted=True))
        session.commit()
        report = world.ts.purge(op.id, chunk_size=1, session=session)
        assert report.counts() == {"Reply": 2}
        assert live(session, Reply) == [2]
        everything = select(Reply.id).execution_options(include_deleted=True)
        assert session.scalars(everything).all() == [2]


def test_a_snapshot_keeps_a_null_binary_apart_from_an_empty_one(world: World) -> None:
    class Attachment(world.Base):
        __tablename__ = "ce_attachment"
        id: Mapped[int] = mapped_column(primary_key=True)
        data: Mapped[bytes | None] = mapped_column(LargeBinary)

    with world.create() as session:
        session.add_all(
            [
                Attachment(id=1, data=None),
                Attachment(id=2, data=b""),
                Attachment(id=3, data=b"\x00\x01"),
            ]
        )
        session.commit()
        op = world.ts.delete(Attachment, ids=[1, 2, 3], hard=True, snapshot=True, session=session)
        session.commit()
        rows = {row["id"]: row["data"] for _, row in world.ts.snapshots(op.id, session=session)}
        assert rows == {1: None, 2: b"", 3: b"\x00\x01"}
        with pytest.raises(InvalidTarget):
            world.ts.snapshots(2**70, session=session)
        with pytest.raises(TypeError):
            world.ts.snapshots("7", session=session)  # type: ignore[arg-type]


def test_a_purge_by_age_passes_over_a_deletion_restored_meanwhile(world: World) -> None:
    """Another session restores one of the expired deletions after the purge listed them (an
    Undo at the same moment): the purge leaves it and purges the others."""
    Reply = replies(world)
    with world.create() as session:
        session.add_all(Reply(id=key, body="x") for key in (1, 2, 3))
        session.commit()
        ops = [world.ts.delete(Reply, ids=[key], session=session).id for key in (1, 2, 3)]
        session.commit()

        def undo_the_second(done: int, total: int) -> None:
            if done == 1:  # the first purged, committed; the second not yet started
                with world.Session() as other:
                    world.ts.restore(ops[1], session=other)
                    other.commit()

        report = world.ts.purge(older_than=timedelta(0), progress=undo_the_second, session=session)
        assert [purged.op_id for purged in report.operations] == [ops[0], ops[2]]
        assert report.skipped == {}
        assert live(session, Reply) == [2]


def test_a_tree_linked_by_a_unique_code_is_previewed_hard_deleted_and_purged(
    world: World,
) -> None:
    """``parent_code -> code`` (a unique column, not the key): the recursive set follows the
    code, as the database's ``ON DELETE CASCADE`` does (the recursive term read the tree in a
    scalar subquery, which SQLite refuses and which is wrong past one row)."""

    class Category(SoftDeleteMixin, world.Base):
        __tablename__ = "ce_category"
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        code: Mapped[str] = mapped_column(String(20), unique=True)
        parent_code: Mapped[str | None] = mapped_column(
            ForeignKey("ce_category.code", ondelete="CASCADE")
        )

    with world.create() as session:
        rows = [("root", None), ("a", "root"), ("b", "root"), ("a1", "a"), ("a2", "a"), ("x", "a1")]
        for number, (code, parent) in enumerate(rows, start=1):
            session.add(Category(id=number, code=code, parent_code=parent))
            session.flush()
        session.commit()
        a = select(Category).where(Category.code == "a")
        assert world.ts.preview(a, hard=True, session=session).counts == {"Category": 4}
        op = world.ts.delete(a, session=session)
        session.commit()
        assert op.counts == {"Category": 4} and live(session, Category) == [1, 3]
        world.ts.purge(op.id, session=session)
        session.commit()
        everything = select(Category.id).execution_options(include_deleted=True)
        assert sorted(session.scalars(everything)) == [1, 3]
        world.ts.delete(Category, ids=[1], hard=True, session=session)
        session.commit()
        assert session.scalars(everything).all() == []


def test_a_hard_delete_never_takes_a_live_restrict_reply(world: World) -> None:
    """A self-reference with no ``ondelete`` and no relationship (RESTRICT): the hard delete
    of a row with a live reply is refused, as the database refuses it (it took the reply)."""

    class Node(SoftDeleteMixin, world.Base):
        __tablename__ = "ce_node"
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("ce_node.id"))

    with world.create() as session:
        session.add(Node(id=2))
        session.flush()
        session.add_all([Node(id=4, parent_id=2), Node(id=5, parent_id=2)])
        session.commit()
        world.ts.delete(Node, ids=[5], session=session)  # a reply in the trash goes along
        session.commit()
        with pytest.raises(Blocked):
            world.ts.delete(Node, ids=[2], hard=True, session=session)
        session.rollback()
        everything = select(Node.id).execution_options(include_deleted=True)
        assert sorted(session.scalars(everything)) == [2, 4, 5]
        world.ts.delete(Node, ids=[4], hard=True, session=session)
        world.ts.delete(Node, ids=[2], hard=True, session=session)
        session.commit()
        assert session.scalars(everything).all() == []


def test_a_delete_by_ids_takes_the_dependents_of_the_replies_it_takes(world: World) -> None:
    """Comment 2's reply 3 goes by its cascade; the reply's attachment goes with it, as the
    unit of work takes it (by ids, the prepared statements took the asked rows' only)."""

    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "ce_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("ce_post.id"))
        replies: Mapped[list[Post]] = relationship(cascade="all, delete-orphan")
        files: Mapped[list[File]] = relationship(cascade="all, delete-orphan")

    class File(SoftDeleteMixin, world.Base):
        __tablename__ = "ce_file"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int | None] = mapped_column(ForeignKey("ce_post.id"))

    with world.create() as session:
        session.add(Post(id=2))
        session.flush()
        session.add(Post(id=3, parent_id=2))
        session.flush()
        session.add_all([File(id=20, post_id=2), File(id=30, post_id=3)])
        session.commit()
        op = world.ts.delete(Post, ids=[2], session=session)
        session.commit()
        assert op.counts == {"Post": 2, "File": 2}
        assert live(session, Post) == [] and live(session, File) == []
