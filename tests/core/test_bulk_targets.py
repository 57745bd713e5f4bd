"""A bulk delete's ``select()`` takes the rows the same select returns in the session —
however the delete changes the rows its filter reads as it goes: a LIMIT window, "all but
the newest" (OFFSET), "the leaves" of a tree (a filter on the rows a self-reference
reaches), a hard delete removing children first, a CTE (whose statements SQLite counts as
-1). Such filters are read once, first; a chunked delete refuses them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from flask_tombstone.core import InvalidTarget, SoftDeleteMixin

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


def posts(world: World) -> tuple[Any, Any]:
    class Post(SoftDeleteMixin, world.Base):
        __tablename__ = "bt_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        rank: Mapped[int]
        comments: Mapped[list[Comment]] = relationship(cascade="all, delete-orphan")

    class Comment(SoftDeleteMixin, world.Base):
        __tablename__ = "bt_comment"
        id: Mapped[int] = mapped_column(primary_key=True)
        post_id: Mapped[int] = mapped_column(ForeignKey("bt_post.id"))

    return Post, Comment


def seeded(world: World, Post: Any, Comment: Any) -> Session:
    session = world.create()
    session.add_all(Post(id=i, rank=i, comments=[Comment(id=10 * i)]) for i in range(1, 7))
    session.commit()
    return session


def test_a_limit_window_and_an_offset_select_live_rows(world: World) -> None:
    Post, Comment = posts(world)
    with seeded(world, Post, Comment) as session:
        session.delete(session.get(Post, 1))
        session.commit()
        oldest_two = select(Post).where(Post.id > 0).order_by(Post.rank).limit(2)
        assert list(session.scalars(oldest_two.with_only_columns(Post.id))) == [2, 3]
        assert world.ts.preview(oldest_two, session=session).counts["Post"] == 2
        op = world.ts.delete(oldest_two, session=session)
        assert op.counts == {"Post": 2, "Comment": 2} and live(session, Post) == [4, 5, 6]
        but_newest = select(Post).where(Post.id > 0).order_by(Post.rank.desc()).offset(1)
        world.ts.delete(but_newest, session=session)
        session.commit()
        assert live(session, Post) == [6]


def tree(world: World) -> Any:
    class Node(SoftDeleteMixin, world.Base):
        __tablename__ = "bt_node"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("bt_node.id"))
        name: Mapped[str] = mapped_column(String(20), default="")
        children: Mapped[list[Node]] = relationship(cascade="all, delete-orphan")

    return Node


def planted(world: World, Node: Any) -> Session:
    """1 -> 2 -> 4, 1 -> 3, 5 -> 6."""
    session = world.create()
    for key, parent in ((1, None), (2, 1), (3, 1), (4, 2), (5, None), (6, 5)):
        session.add(Node(id=key, parent_id=parent))
        session.flush()
    session.commit()
    return session


@pytest.mark.parametrize("how", ["tombstone", "routed"])
def test_deleting_the_leaves_takes_the_leaves(world: World, how: str) -> None:
    Node = tree(world)
    leaves = ~Node.children.any()
    with planted(world, Node) as session:
        assert sorted(session.scalars(select(Node.id).where(leaves))) == [3, 4, 6]
        if how == "tombstone":
            op = world.ts.delete(select(Node).where(leaves), session=session)
            assert op.counts == {"Node": 3}
        else:
            assert session.execute(delete(Node).where(leaves)).rowcount == 3
        session.commit()
        assert live(session, Node) == [1, 2, 5]


@pytest.mark.parametrize(("order", "left"), [("newest", [1, 2, 3, 4]), ("oldest", [5, 6])])
def test_a_hard_delete_with_a_limit_removes_those_rows(
    world: World, order: str, left: list[int]
) -> None:
    """The two newest nodes (6 and 5), or the two oldest (1 and 2, with 1's subtree): the
    children go first, and a filter read again after each removal would pick new rows (it
    took the whole table)."""
    Node = tree(world)
    with planted(world, Node) as session:
        key = Node.id.desc() if order == "newest" else Node.id
        two = select(Node).where(Node.id > 0).order_by(key).limit(2)
        world.ts.delete(two, hard=True, session=session)
        session.commit()
        assert sorted(session.scalars(select(Node.id))) == left


def test_a_filter_with_a_cte_counts_exactly(world: World) -> None:
    Post, Comment = posts(world)
    with seeded(world, Post, Comment) as session:
        commented = select(Comment.post_id).cte("commented")
        first_two = select(Post).where(Post.id.in_(select(commented.c.post_id)), Post.rank <= 2)
        op = world.ts.delete(first_two, session=session)
        assert op.counts == {"Post": 2, "Comment": 2} and op.target_rows == 2
        nothing = select(Post).where(Post.id.in_(select(commented.c.post_id)), Post.rank > 9)
        assert session.execute(delete(Post).where(nothing.whereclause)).rowcount == 0


def test_a_union_and_a_chunked_joined_filter_are_refused(world: World) -> None:
    Post, Comment = posts(world)
    with seeded(world, Post, Comment) as session:
        union = select(Post).where(Post.id == 1).union(select(Post).where(Post.id == 2))
        with pytest.raises(InvalidTarget, match="UNION"):
            world.ts.delete(union, session=session)  # type: ignore[arg-type]
        joined = select(Post).where(Post.comments.any())
        with pytest.raises(InvalidTarget, match="chunk by chunk"):
            world.ts.delete(joined, chunk_size=2, session=session)
        assert live(session, Post) == [1, 2, 3, 4, 5, 6]
