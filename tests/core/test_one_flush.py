"""What one flush deletes together, as the tutorials write it: the comments one by one and
then their post in one commit; an orphan of a ``delete-orphan`` relationship declared without
a backref; a flush the listener cannot govern. Each against the plain unit of work's answer
on the same models (a session the Tombstone does not know)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, sessionmaker

from flask_tombstone.core import UNGOVERNED, Blocked, Operation, SoftDeleteMixin, TombstoneError
from flask_tombstone.core import listeners as listeners_module

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


def blog(world: World, cascade: str | None, *, backref: bool = True) -> tuple[Any, Any]:
    """Post and Comment; ``Comment.post_id`` declares no ``ondelete`` (the database refuses
    to delete a post that still has comments); ``cascade`` is ``Post.comments``' (``None``:
    no relationship at all)."""
    B = world.Base

    class Post(SoftDeleteMixin, B):
        __tablename__ = "of_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(40))
        if cascade is not None:
            comments: Mapped[list[Comment]] = relationship(
                back_populates="post" if backref else None, cascade=cascade
            )

    class Comment(SoftDeleteMixin, B):
        __tablename__ = "of_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(String(40))
        post_id: Mapped[int] = mapped_column(ForeignKey("of_post.id"))
        if cascade is not None and backref:
            post: Mapped[Post] = relationship(back_populates="comments")

    return Post, Comment


def seed(session: Session, Post: Any, Comment: Any) -> None:
    """Post 1 with comments 1 and 2; post 2 with comment 3."""
    session.add_all([Post(id=1, title="first"), Post(id=2, title="second")])
    session.flush()
    session.add_all(
        [
            Comment(id=1, body="a", post_id=1),
            Comment(id=2, body="b", post_id=1),
            Comment(id=3, body="c", post_id=2),
        ]
    )
    session.commit()


def delete_comments_then_post(
    session: Session, Post: Any, Comment: Any, comments: list[int]
) -> None:
    """The tutorial's loop: each comment deleted, then the post, one commit (one flush: the
    post is loaded first, so no autoflush runs between the deletions)."""
    post = session.get(Post, 1)
    for comment in session.scalars(select(Comment).where(Comment.id.in_(comments))).all():
        session.delete(comment)
    session.delete(post)
    session.commit()


@pytest.mark.parametrize("cascade", [None, "save-update, merge"])
def test_comments_then_their_post_in_one_flush(world: World, cascade: str | None) -> None:
    Post, Comment = blog(world, cascade)
    plain = sessionmaker(bind=world.engine, info={UNGOVERNED: True})  # the unit of work's answer
    with world.create() as session:
        seed(session, Post, Comment)
        before = (world.rows(session, "of_post"), world.rows(session, "of_comment"))
    with plain() as oracle:
        post = oracle.get(Post, 1)
        for comment in oracle.scalars(select(Comment).where(Comment.id.in_([1, 2]))).all():
            oracle.delete(comment)
        oracle.delete(post)
        oracle.flush()  # the unit of work deletes the comments first: no IntegrityError
        oracle.rollback()
    with world.Session() as session:
        delete_comments_then_post(session, Post, Comment, [1, 2])
        assert live(session, Post) == [2] and live(session, Comment) == [3]
        ops = session.scalars(select(Operation).order_by(Operation.id)).all()
        assert [op.counts for op in ops] == [{"Comment": 2}, {"Post": 1}]
        for op in reversed(ops):
            world.ts.restore(op.id, session=session)
        session.commit()
        assert (world.rows(session, "of_post"), world.rows(session, "of_comment")) == before


def test_a_post_with_a_comment_left_is_still_refused(world: World) -> None:
    Post, Comment = blog(world, None)
    with world.create() as session:
        seed(session, Post, Comment)
        before = world.rows(session, "of_comment")
        with pytest.raises(Blocked) as refused:
            delete_comments_then_post(session, Post, Comment, [1])
        assert [b.row.id for b in refused.value.blockers] == [2]
        session.rollback()
        assert world.rows(session, "of_comment") == before
        assert session.scalar(select(func.count()).select_from(Operation)) == 0


def test_an_orphan_of_a_relationship_without_backref_goes_to_the_trash(world: World) -> None:
    Post, Comment = blog(world, "all, delete-orphan", backref=False)
    with world.create() as session:
        seed(session, Post, Comment)
        before = world.rows(session, "of_comment")
        post = session.get(Post, 1)
        post.comments.remove(next(c for c in post.comments if c.id == 1))
        session.commit()
        assert live(session, Comment) == [2, 3]
        trashed = session.scalars(select(Comment).execution_options(only_deleted=True)).all()
        assert [c.id for c in trashed] == [1]  # in the trash, not DELETEd
        world.ts.restore(trashed[0].deleted_by_op, session=session)
        session.commit()
        assert world.rows(session, "of_comment") == before


def test_a_deletion_the_listener_misses_refuses_the_flush(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last guard: were an orphan ever missed, the unit of work's own DELETE of a soft
    row refuses the flush instead of removing the row."""
    Post, Comment = blog(world, "all, delete-orphan", backref=False)
    monkeypatch.setattr(listeners_module, "_soft_orphans", lambda session, graph: [])
    with world.create() as session:
        seed(session, Post, Comment)
        before = world.rows(session, "of_comment")
        post = session.get(Post, 1)
        post.comments.remove(next(c for c in post.comments if c.id == 1))
        with pytest.raises(TombstoneError, match="Comment 1 was about to be removed"):
            session.commit()
        session.rollback()
        assert world.rows(session, "of_comment") == before


MOVES = {
    # comment 1 leaves post 1 for post 2, then post 1 is deleted, in one flush
    "many-to-one": lambda other, c: setattr(c, "post", other),
    "foreign-key-column": lambda other, c: setattr(c, "post_id", other.id),
    "collection-append": lambda other, c: other.comments.append(c),
    "new-post": lambda other, c: setattr(c, "post", type(other)(id=3, title="third")),
}


def move_then_delete(session: Session, Post: Any, Comment: Any, move: str) -> None:
    post, other = session.get(Post, 1), session.get(Post, 2)
    assert other.comments  # loaded now: no autoflush between the changes below
    comment = next(c for c in post.comments if c.id == 1)
    if move == "collection-append" and not hasattr(Comment, "post"):  # no backref
        post.comments.remove(comment)
    MOVES[move](other, comment)
    session.delete(post)


def links(session: Session, Comment: Any) -> list[tuple[int, int]]:
    """(comment, post) of the live comments."""
    return [
        tuple(r) for r in session.execute(select(Comment.id, Comment.post_id).order_by(Comment.id))
    ]


@pytest.mark.parametrize("backref", [True, False], ids=["backref", "no-backref"])
@pytest.mark.parametrize("move", list(MOVES))
def test_a_comment_moved_away_from_the_post_deleted_in_the_same_flush(
    world: World, move: str, backref: bool
) -> None:
    if move in ("many-to-one", "new-post") and not backref:
        pytest.skip("Comment.post is the backref")
    Post, Comment = blog(world, "all, delete-orphan", backref=backref)
    plain = sessionmaker(bind=world.engine, info={UNGOVERNED: True})
    with world.create() as session:
        seed(session, Post, Comment)
        before = (world.rows(session, "of_post"), world.rows(session, "of_comment"))
    with plain() as oracle:
        move_then_delete(oracle, Post, Comment, move)
        oracle.flush()
        expected = links(oracle, Comment), live(oracle, Post)
        oracle.rollback()
    if move != "foreign-key-column":  # the column alone moves nothing: the collection holds it
        assert expected[0] == [(1, 3 if move == "new-post" else 2), (3, 2)]
    removed = sorted({1, 2, 3} - {comment for comment, _ in expected[0]})
    with world.Session() as session:
        move_then_delete(session, Post, Comment, move)
        session.commit()
        assert (links(session, Comment), live(session, Post)) == expected
        trashed = session.scalars(select(Comment.id).execution_options(only_deleted=True)).all()
        assert trashed == removed  # what the unit of work deletes, in the trash
        op = session.scalars(select(Operation)).one()
        assert op.counts == {"Post": 1, "Comment": len(removed)}
        world.ts.restore(op.id, session=session)
        session.commit()
        # Restored: the post and the comments it took; a moved comment stays moved.
        assert world.rows(session, "of_post")[:2] == before[0]
        comments = world.rows(session, "of_comment")
        assert [r for r in comments if r[0] in removed] == [r for r in before[1] if r[0] in removed]


def profiles(world: World, *, many_to_one: bool) -> tuple[Any, Any]:
    """User -> Profile one-to-one, ``cascade="all, delete-orphan"``: held by the profile's key
    (``User.profile``, ``uselist=False``) or by the user's (``single_parent`` many-to-one)."""
    B = world.Base

    class Profile(SoftDeleteMixin, B):
        __tablename__ = "of_profile"
        id: Mapped[int] = mapped_column(primary_key=True)
        bio: Mapped[str] = mapped_column(String(40))
        if not many_to_one:
            user_id: Mapped[int | None] = mapped_column(ForeignKey("of_user.id"))

    class User(SoftDeleteMixin, B):
        __tablename__ = "of_user"
        id: Mapped[int] = mapped_column(primary_key=True)
        if many_to_one:
            profile_id: Mapped[int | None] = mapped_column(ForeignKey("of_profile.id"))
            profile: Mapped[Profile | None] = relationship(
                cascade="all, delete-orphan", single_parent=True
            )
        else:
            profile: Mapped[Profile | None] = relationship(  # type: ignore[no-redef]
                uselist=False, cascade="all, delete-orphan"
            )

    return User, Profile


@pytest.mark.parametrize("many_to_one", [False, True], ids=["one-to-one", "many-to-one"])
@pytest.mark.parametrize("new", [True, False], ids=["replaced", "removed"])
def test_a_profile_replaced_without_being_read_goes_to_the_trash(
    world: World, many_to_one: bool, new: bool
) -> None:
    """``user.profile = Profile(...)`` (or ``None``): the ORM loads the old profile only to
    orphan it, and the unit of work deletes it; here it goes to the trash."""
    User, Profile = profiles(world, many_to_one=many_to_one)

    def replace(session: Session) -> list[int]:
        user = session.get(User, 1)
        user.profile = Profile(id=2, bio="new") if new else None
        session.flush()
        return live(session, Profile)

    plain = sessionmaker(bind=world.engine, info={UNGOVERNED: True})
    with world.create() as session:
        session.add(User(id=1, profile=Profile(id=1, bio="old")))
        session.commit()
        before = world.rows(session, "of_profile")
    with plain() as oracle:
        expected = replace(oracle)
        oracle.rollback()
    assert expected == ([2] if new else [])
    with world.Session() as session:
        assert replace(session) == expected
        session.commit()
        trashed = session.scalars(select(Profile).execution_options(only_deleted=True)).one()
        assert trashed.id == 1
        world.ts.restore(trashed.deleted_by_op, session=session)
        session.commit()
        assert world.rows(session, "of_profile")[:1] == before


@pytest.mark.parametrize("ondelete", ["CASCADE", None])
def test_a_new_comment_on_the_post_deleted_in_the_same_flush(
    world: World, ondelete: str | None
) -> None:
    """Written first, as the unit of work writes it: the database's cascade takes it along,
    or (no ``ondelete``) it refuses the post's deletion."""
    B = world.Base

    class Post(SoftDeleteMixin, B):
        __tablename__ = "of_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        comments: Mapped[list[Comment]] = relationship(passive_deletes=True)

    class Comment(SoftDeleteMixin, B):
        __tablename__ = "of_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int] = mapped_column(ForeignKey("of_post.id", ondelete=ondelete))

    with world.create() as session:
        session.add(Post(id=1))
        session.commit()
        post = session.get(Post, 1)  # loaded first: no autoflush between the changes
        session.add(Comment(id=1, post_id=1))
        session.delete(post)
        if ondelete is None:
            with pytest.raises(Blocked):
                session.commit()
            session.rollback()
            assert live(session, Post) == [1] and live(session, Comment) == []
            return
        session.commit()
        assert live(session, Post) == [] and live(session, Comment) == []
        op = session.scalars(select(Operation)).one()
        assert op.counts == {"Post": 1, "Comment": 1}


def test_a_plain_row_and_the_soft_row_its_cascade_takes_go_in_one_flush(world: World) -> None:
    """``order.receipt`` (many-to-one, ``delete-orphan``) cascades from a plain model into a
    soft one: the unit of work deletes the order and its receipt. The order, deleted by the
    same flush, must not block the receipt's soft delete (it points at it, no ``ondelete``)."""
    B = world.Base

    class Receipt(SoftDeleteMixin, B):
        __tablename__ = "of_receipt"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(String(20))

    class Order(B):
        __tablename__ = "of_order"
        id: Mapped[int] = mapped_column(primary_key=True)
        receipt_id: Mapped[int | None] = mapped_column(ForeignKey("of_receipt.id"))
        receipt: Mapped[Receipt | None] = relationship(
            cascade="all, delete-orphan", single_parent=True
        )

    with world.create() as session:
        session.add_all([Order(id=1, receipt=Receipt(id=1, number="R-1")), Order(id=2)])
        session.commit()
        session.delete(session.get(Order, 1))
        session.commit()
        assert live(session, Order) == [2] and live(session, Receipt) == []
        (op,) = session.scalars(world.ts.trash()).all()
        assert op.counts == {"Receipt": 1}


def test_a_session_of_the_apps_own_never_deletes_a_soft_row_for_good(world: World) -> None:
    """A ``sessionmaker`` of the app's own on its engine (a script, a job) has none of the
    listeners: its unit of work's ``DELETE`` of a soft row is refused, nothing deleted —
    unless the session says it means it (``info={UNGOVERNED: True}``)."""
    Post, Comment = blog(world, "all, delete-orphan")
    with world.create() as session:
        seed(session, Post, Comment)
    own = sessionmaker(bind=world.engine)
    with own() as session:
        session.delete(session.get(Post, 2))
        with pytest.raises(TombstoneError, match="not one Flask-Tombstone is attached to"):
            session.commit()
        session.rollback()
    with world.Session() as session:
        assert live(session, Post) == [1, 2] and live(session, Comment) == [1, 2, 3]
    meaning_it = sessionmaker(bind=world.engine, info={UNGOVERNED: True})
    with meaning_it() as session:
        session.delete(session.get(Post, 2))
        session.commit()
    with world.Session() as session:
        everything = select(Post.id).execution_options(include_deleted=True)
        assert session.scalars(everything).all() == [1]
