"""The SQLAlchemy docs' association object ("Association Object", basic relationship
patterns), verbatim but for ``SoftDeleteMixin`` on the two ends: ``Association`` stays a plain
model whose primary key is its two foreign keys, with ``extra_data`` beside them and no
cascade on either relationship.

The plain unit of work refuses ``session.delete(parent)`` while links exist (it would have to
blank out part of their primary key); the engine refuses the same deletion with ``Blocked``,
listing each link by its composite key (``"1,2"``), and previews, deletes and restores
normally once the links are gone.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import Blocked, SoftDeleteMixin, Tombstone

from .conftest import App, Harness, Plain, raw


def build(uri: str, soft: bool = True) -> App:
    Soft: type = SoftDeleteMixin if soft else Plain
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    db = SQLAlchemy(app)
    tombstone = Tombstone(app, db=db) if soft else None

    class Association(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "association_table"
        left_id: Mapped[int] = mapped_column(ForeignKey("left_table.id"), primary_key=True)
        right_id: Mapped[int] = mapped_column(ForeignKey("right_table.id"), primary_key=True)
        extra_data: Mapped[str | None] = mapped_column(String(50))
        child: Mapped[Child] = relationship(back_populates="parents")
        parent: Mapped[Parent] = relationship(back_populates="children")

    class Parent(Soft, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "left_table"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        children: Mapped[list[Association]] = relationship(back_populates="parent")

    class Child(Soft, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "right_table"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        parents: Mapped[list[Association]] = relationship(back_populates="child")

    return App(app, db, tombstone, {"Parent": Parent, "Child": Child, "Association": Association})


def seeded(corpus: Harness) -> App:
    a = corpus.open(build)
    a.session.add_all([a.Parent(id=1, name="p1"), a.Parent(id=2, name="p2")])
    a.session.add_all([a.Child(id=i, name=f"c{i}") for i in (1, 2, 3)])
    a.session.flush()
    a.session.add_all(
        a.Association(left_id=left, right_id=right, extra_data=f"{left}-{right}")
        for left, right in ((1, 1), (1, 2), (2, 3))
    )
    a.session.commit()
    return a


def test_a_parent_with_links_is_refused_each_link_listed(corpus: Harness) -> None:
    a = seeded(corpus)
    before = raw(a.db)
    preview = a.tombstone.preview(a.session.get(a.Parent, 1))
    assert [(b.reason, b.row.model, b.row.id) for b in preview.blockers] == [
        ("restrict", "Association", "1,1"),
        ("restrict", "Association", "1,2"),
    ]
    for attempt in (
        lambda: a.tombstone.delete(a.Parent, ids=[1]),
        lambda: a.tombstone.delete(a.Parent, ids=[1], hard=True),
        lambda: a.tombstone.delete(a.Child, ids=[3]),
    ):
        with pytest.raises(Blocked):
            attempt()
        a.session.rollback()
    a.session.delete(a.session.get(a.Parent, 1))
    with pytest.raises(Blocked):
        a.session.commit()
    a.session.rollback()
    assert raw(a.db) == before


def test_links_removed_first_then_the_parent_goes_and_comes_back(corpus: Harness) -> None:
    a = seeded(corpus)
    parent = a.session.get(a.Parent, 1)
    for link in list(parent.children):
        a.session.delete(link)  # the association rows are plain: the unit of work's own
    a.session.commit()
    a.session.delete(parent)
    a.session.commit()
    assert a.session.scalars(select(a.Parent.id)).all() == [2]
    (op,) = a.session.scalars(a.tombstone.trash()).all()
    assert op.counts == {"Parent": 1}
    a.tombstone.restore(op.id)
    a.session.commit()
    assert a.session.scalars(select(a.Parent.id).order_by(a.Parent.id)).all() == [1, 2]


def test_a_preview_and_a_delete_of_links_by_filter(corpus: Harness) -> None:
    a = seeded(corpus)
    links = select(a.Association).where(a.Association.left_id == 1)
    preview = a.tombstone.preview(links)
    assert preview.counts == {"Association": 2}
    assert [row.id for row in preview.samples["Association"]] == ["1,1", "1,2"]
    op = a.tombstone.delete(links, expect=preview.token)
    a.session.commit()
    assert op.counts == {"Association": 2}
    assert a.session.scalars(select(a.Association.extra_data)).all() == ["2-3"]
