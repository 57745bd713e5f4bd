"""The Flask-SQLAlchemy (and SQLAlchemy ORM) documentation's model examples, one app each.

Every app is ``db = SQLAlchemy(app)``, then ``Tombstone(app, db=db)``, then the models as the
docs declare them, with ``SoftDeleteMixin`` added (``Soft``: the mixin, or a bare class in the
plain twin whose hard deletes are the oracle). String columns get a length where the docs leave
it out (MariaDB needs one).
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Uuid, delete, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import InvalidTarget, NotFound, SoftDeleteMixin, Tombstone

from .conftest import App, Harness, Plain, check_like_hard, raw, session_usable, trashed, world


def flask_app(uri: str, soft: bool) -> tuple[Flask, SQLAlchemy, Any, type]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    db = SQLAlchemy(app)
    tombstone = Tombstone(app, db=db) if soft else None
    return app, db, tombstone, (SoftDeleteMixin if soft else Plain)


# -- one-to-many, typed: relationship(back_populates=..., cascade="all, delete-orphan") ---------
def build_typed(uri: str, soft: bool = True) -> App:
    app, db, tombstone, Soft = flask_app(uri, soft)

    class User(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        username: Mapped[str] = mapped_column(String(80), unique=True)
        posts: Mapped[list[Post]] = relationship(
            back_populates="author", cascade="all, delete-orphan"
        )

    class Post(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(80))
        author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
        author: Mapped[User] = relationship(back_populates="posts")

    return App(app, db, tombstone, {"User": User, "Post": Post})


def seed_typed(a: App) -> None:
    for uid, name, titles in ((1, "ann", ("a1", "a2", "a3")), (2, "bob", ("b1",)), (3, "cy", ())):
        a.session.add(a.User(id=uid, username=name))
        a.session.flush()
        a.session.add_all(
            a.Post(id=uid * 10 + i, title=t, author_id=uid) for i, t in enumerate(titles)
        )


def test_typed_session_delete_cascades_to_posts(corpus: Harness) -> None:
    def act(a: App) -> None:
        ann = a.session.get(a.User, 1)
        a.session.delete(ann)
        a.session.commit()
        assert inspect(ann).detached and ann.username == "ann"

    _soft, ops = check_like_hard(corpus, build_typed, seed_typed, act)
    assert sum((Counter(op.counts) for op in ops), start=Counter()) == {
        "User": 1,
        "Post": 3,
    }


def test_typed_execute_delete_where(corpus: Harness) -> None:
    def act(a: App) -> None:
        result = a.session.execute(delete(a.User).where(a.User.username.in_(["ann", "cy"])))
        assert result.rowcount == 2
        a.session.commit()

    def hard(a: App) -> None:  # what the unit of work removes for those users
        for user in a.session.scalars(select(a.User).where(a.User.username.in_(["ann", "cy"]))):
            a.session.delete(user)
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build_typed, seed_typed, act, hard)
    assert [op.counts for op in ops] == [{"User": 2, "Post": 3}]


def test_typed_removing_from_a_delete_orphan_collection(corpus: Harness) -> None:
    def act(a: App) -> None:
        ann = a.session.get(a.User, 1)
        orphan = next(p for p in ann.posts if p.title == "a2")
        ann.posts.remove(orphan)
        a.session.commit()
        assert [p.title for p in ann.posts] == ["a1", "a3"]

    soft, ops = check_like_hard(corpus, build_typed, seed_typed, act)
    assert [op.counts for op in ops] == [{"Post": 1}]
    assert soft.session.get(soft.User, 1) is not None


def test_typed_ids_are_checked_by_type(corpus: Harness) -> None:
    a = corpus.open(build_typed)
    seed_typed(a)
    a.session.commit()
    before = raw(a.db)
    with pytest.raises(InvalidTarget):
        a.tombstone.delete(a.User, ids=[1.5])
    a.session.rollback()
    with pytest.raises(InvalidTarget):
        a.tombstone.delete(a.User, ids=["1; drop table user"])
    a.session.rollback()
    assert raw(a.db) == before
    op = a.tombstone.delete(a.User, ids=[2])
    a.session.commit()
    assert op.counts == {"User": 1, "Post": 1}


# -- passive_deletes=True with ondelete="CASCADE", and passive_deletes="all", legacy style ------
def build_passive(uri: str, soft: bool = True) -> App:
    app, db, tombstone, Soft = flask_app(uri, soft)

    class Parent(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50))
        children = db.relationship(
            "Child", backref="parent", cascade="all, delete", passive_deletes=True
        )
        notes = db.relationship("Note", backref="parent", passive_deletes="all")

    class Child(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        parent_id = db.Column(db.Integer, db.ForeignKey("parent.id", ondelete="CASCADE"))

    class Note(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        parent_id = db.Column(db.Integer, db.ForeignKey("parent.id", ondelete="SET NULL"))

    return App(app, db, tombstone, {"Parent": Parent, "Child": Child, "Note": Note})


def seed_passive(a: App) -> None:
    a.session.add_all(a.Parent(id=i, name=f"p{i}") for i in (1, 2, 3))
    a.session.flush()
    a.session.add_all(a.Child(id=i, parent_id=(i % 3) + 1) for i in range(1, 10))
    a.session.add_all(a.Note(id=i, parent_id=(i % 2) + 1) for i in range(1, 5))


def test_passive_deletes_session_delete(corpus: Harness) -> None:
    def act(a: App) -> None:
        a.session.delete(a.session.get(a.Parent, 2))  # children and notes not loaded
        a.session.commit()
        note = a.session.get(a.Note, 1)
        assert note.parent is None
        if a.tombstone is not None:
            # SET NULL is never applied by a soft delete: the link stays, to a hidden parent
            assert note.parent_id == 2

    _soft, ops = check_like_hard(corpus, build_passive, seed_passive, act)
    assert [op.counts for op in ops] == [{"Parent": 1, "Child": 3}]


def test_passive_deletes_query_filter_delete(corpus: Harness) -> None:
    def act(a: App) -> None:
        assert a.Parent.query.filter(a.Parent.name.in_(["p1", "p3"])).delete() == 2
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build_passive, seed_passive, act)
    assert [op.counts for op in ops] == [{"Parent": 2, "Child": 6}]


# -- many-to-many with an association db.Table (the Flask-SQLAlchemy docs' tags) ----------------
def build_m2m(uri: str, soft: bool = True) -> App:
    app, db, tombstone, Soft = flask_app(uri, soft)

    tags_table = db.Table(  # the docs' module-level ``tags``, renamed inside this function
        "tags",
        db.Column("tag_id", db.Integer, db.ForeignKey("tag.id"), primary_key=True),
        db.Column("page_id", db.Integer, db.ForeignKey("page.id"), primary_key=True),
    )

    class Page(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        tags = db.relationship(
            "Tag", secondary=tags_table, lazy="subquery", backref=db.backref("pages", lazy=True)
        )

    class Tag(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    return App(app, db, tombstone, {"Page": Page, "Tag": Tag, "tags": tags_table})


def seed_m2m(a: App) -> None:
    all_tags = [a.Tag(id=i) for i in (1, 2, 3)]
    a.session.add_all(all_tags)
    for pid in (1, 2, 3, 4):
        a.session.add(a.Page(id=pid, tags=[t for t in all_tags if (pid + t.id) % 2 or t.id == 3]))


@pytest.mark.parametrize("model", ["Page", "Tag"])
def test_m2m_session_delete_hides_the_links(corpus: Harness, model: str) -> None:
    def act(a: App) -> None:
        a.session.delete(a.session.get(getattr(a, model), 3 if model == "Tag" else 2))
        a.session.commit()

    soft, ops = check_like_hard(corpus, build_m2m, seed_m2m, act)
    assert [op.counts for op in ops] == [{model: 1}]
    # eager (subquery) and lazy loads both leave the trashed end out
    soft.tombstone.restore(soft.tombstone.delete(getattr(soft, model), ids=[2]).id)
    soft.tombstone.delete(getattr(soft, model), ids=[2])
    soft.session.commit()
    soft.session.expire_all()
    pages = soft.session.scalars(select(soft.Page).order_by(soft.Page.id)).all()
    tags = soft.session.scalars(select(soft.Tag).order_by(soft.Tag.id)).all()
    hidden = (
        {t.id for p in pages for t in p.tags}
        if model == "Tag"
        else {p.id for t in tags for p in t.pages}
    )
    assert 2 not in hidden and hidden


def test_m2m_purge_detaches_like_a_hard_delete(corpus: Harness) -> None:
    def act(a: App) -> None:
        a.session.delete(a.session.get(a.Page, 1))
        a.session.commit()

    expected = corpus.twin(build_m2m, seed_m2m, act)
    a = corpus.open(build_m2m)
    seed_m2m(a)
    a.session.commit()
    act(a)
    op_id = a.session.scalars(a.tombstone.trash()).one().id
    a.tombstone.purge(op_id)
    a.session.commit()
    assert world(a) == expected.world
    page_ids = {row[0] for row in raw(a.db)["page"]}
    assert page_ids == {2, 3, 4}
    assert all(page != 1 for _tag, page in raw(a.db)["tags"])


# -- String(36) and Uuid primary keys -----------------------------------------------------------
def build_uuid(uri: str, soft: bool = True) -> App:
    app, db, tombstone, Soft = flask_app(uri, soft)

    class Document(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
        title = db.Column(db.String(100))
        attachments = db.relationship(
            "Attachment", backref="document", cascade="all, delete-orphan"
        )

    class Attachment(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
        document_id = db.Column(db.String(36), db.ForeignKey("document.id"), nullable=False)

    return App(app, db, tombstone, {"Document": Document, "Attachment": Attachment})


DOCS = [str(uuid.UUID(int=n)) for n in range(1, 4)]


def seed_uuid(a: App) -> None:
    for n, doc_id in enumerate(DOCS):
        a.session.add(
            a.Document(
                id=doc_id,
                title=f"doc{n}",
                attachments=[a.Attachment(id=uuid.UUID(int=100 * n + k)) for k in range(n + 1)],
            )
        )


def test_string_pk_filter_by_delete(corpus: Harness) -> None:
    def act(a: App) -> None:
        assert a.Document.query.filter_by(id=DOCS[2]).delete() == 1
        a.session.commit()

    def hard(a: App) -> None:
        a.session.delete(a.session.get(a.Document, DOCS[2]))
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build_uuid, seed_uuid, act, hard)
    assert [op.counts for op in ops] == [{"Document": 1, "Attachment": 3}]


def test_uuid_pk_session_delete_and_ids(corpus: Harness) -> None:
    def act(a: App) -> None:
        a.session.delete(a.session.get(a.Attachment, uuid.UUID(int=101)))
        a.session.commit()
        if a.tombstone is not None:
            a.tombstone.delete(a.Document, ids=[DOCS[0]])
        else:
            a.session.delete(a.session.get(a.Document, DOCS[0]))
        a.session.commit()
        assert a.session.get(a.Attachment, uuid.UUID(int=0)) is None  # doc 0's
        assert a.session.get(a.Document, DOCS[0]) is None

    soft, ops = check_like_hard(corpus, build_uuid, seed_uuid, act)
    assert [op.counts for op in ops] == [{"Attachment": 1}, {"Document": 1, "Attachment": 1}]
    with pytest.raises(NotFound):
        soft.tombstone.delete(soft.Attachment, ids=[uuid.UUID(int=999)])
    soft.session.rollback()


# -- single-table inheritance: Employee / Manager / Engineer ------------------------------------
def build_sti(uri: str, soft: bool = True) -> App:
    app, db, tombstone, Soft = flask_app(uri, soft)

    class Employee(Soft, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "employee"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        type: Mapped[str] = mapped_column(String(20))

        __mapper_args__ = {"polymorphic_identity": "employee", "polymorphic_on": "type"}  # noqa: RUF012

    class Manager(Employee):
        manager_data: Mapped[str] = mapped_column(String(50), nullable=True)

        __mapper_args__ = {"polymorphic_identity": "manager"}  # noqa: RUF012

    class Engineer(Employee):
        engineer_info: Mapped[str] = mapped_column(String(50), nullable=True)

        __mapper_args__ = {"polymorphic_identity": "engineer"}  # noqa: RUF012

    return App(app, db, tombstone, {"Employee": Employee, "Manager": Manager, "Engineer": Engineer})


def seed_sti(a: App) -> None:
    a.session.add_all(
        [
            a.Manager(id=1, name="eva", manager_data="m"),
            a.Manager(id=2, name="max", manager_data="m"),
            a.Engineer(id=3, name="eli", engineer_info="python"),
            a.Engineer(id=4, name="ida", engineer_info="python"),
            a.Engineer(id=5, name="emo", engineer_info="rust"),
            a.Employee(id=6, name="eon"),
        ]
    )


def test_sti_query_filter_delete_touches_only_the_subclass(corpus: Harness) -> None:
    def act(a: App) -> None:
        assert a.Engineer.query.filter(a.Engineer.name.like("e%")).delete() == 2
        a.session.commit()

    def hard(a: App) -> None:
        for e in a.Engineer.query.filter(a.Engineer.name.like("e%")).all():
            a.session.delete(e)
        a.session.commit()

    soft, ops = check_like_hard(corpus, build_sti, seed_sti, act, hard)
    assert sum(sum(op.counts.values()) for op in ops) == 2
    assert trashed(soft.db) == {}  # restored by check_like_hard


def test_sti_execute_delete_on_a_subclass_column(corpus: Harness) -> None:
    def act(a: App) -> None:
        stmt = delete(a.Engineer).where(a.Engineer.engineer_info == "python")
        assert a.session.execute(stmt).rowcount == 2
        a.session.commit()

    def hard(a: App) -> None:
        for e in a.Engineer.query.filter(a.Engineer.engineer_info == "python").all():
            a.session.delete(e)
        a.session.commit()

    check_like_hard(corpus, build_sti, seed_sti, act, hard)


def test_sti_engine_calls_keep_to_the_subclass(corpus: Harness) -> None:
    a = corpus.open(build_sti)
    seed_sti(a)
    a.session.commit()
    before = raw(a.db)
    with pytest.raises(NotFound):
        a.tombstone.delete(a.Engineer, ids=[1])  # a manager
    a.session.rollback()
    assert raw(a.db) == before
    plan = a.tombstone.preview(select(a.Engineer).where(a.Engineer.name.like("e%")))
    assert sum(plan.counts.values()) == 2
    op = a.tombstone.delete(select(a.Engineer).where(a.Engineer.name.like("e%")))
    a.session.commit()
    assert set(trashed(a.db)["employee"]) == {3, 5}
    assert sorted(e.id for e in a.Employee.query.all()) == [1, 2, 4, 6]
    a.tombstone.purge(op.id)
    a.session.commit()
    assert sorted(row[0] for row in raw(a.db)["employee"]) == [1, 2, 4, 6]
    gone = a.tombstone.delete(a.Manager, ids=[2], hard=True)
    a.session.commit()
    assert sum(gone.counts.values()) == 1
    assert sorted(row[0] for row in raw(a.db)["employee"]) == [1, 4, 6]
    eon = a.session.get(a.Employee, 6)
    session_usable(a, eon, "name", "eon2")


# -- joined-table inheritance: Device / Laptop / Phone, Loan and Repair pointing at laptop.id --
def build_joined(uri: str, soft: bool = True) -> App:
    app, db, tombstone, Soft = flask_app(uri, soft)

    class Device(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        type: Mapped[str] = mapped_column(String(20))

        __mapper_args__ = {"polymorphic_identity": "device", "polymorphic_on": "type"}  # noqa: RUF012

    class Laptop(Device):
        id: Mapped[int] = mapped_column(ForeignKey("device.id"), primary_key=True)
        ram: Mapped[int]

        __mapper_args__ = {"polymorphic_identity": "laptop"}  # noqa: RUF012

    class Phone(Device):
        id: Mapped[int] = mapped_column(ForeignKey("device.id"), primary_key=True)
        carrier: Mapped[str] = mapped_column(String(20))

        __mapper_args__ = {"polymorphic_identity": "phone"}  # noqa: RUF012

    class Loan(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        laptop_id: Mapped[int] = mapped_column(ForeignKey("laptop.id", ondelete="CASCADE"))
        laptop: Mapped[Laptop] = relationship()

    class Repair(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        laptop_id: Mapped[int] = mapped_column(ForeignKey("laptop.id"))

    return App(
        app,
        db,
        tombstone,
        {"Device": Device, "Laptop": Laptop, "Phone": Phone, "Loan": Loan, "Repair": Repair},
    )


def seed_joined(a: App) -> None:
    a.session.add_all(
        [
            a.Laptop(id=1, name="x1", ram=8),
            a.Laptop(id=2, name="x2", ram=16),
            a.Laptop(id=3, name="x3", ram=32),
            a.Phone(id=4, name="p1", carrier="att"),
            a.Device(id=5, name="hub"),
        ]
    )
    a.session.flush()
    a.session.add_all(a.Loan(id=i, laptop_id=lid) for i, lid in ((1, 1), (2, 2), (3, 2), (4, 3)))
    a.session.add(a.Repair(id=1, laptop_id=3))


def test_joined_laptop_delete_cascades_to_loans(corpus: Harness) -> None:
    def act(a: App) -> None:
        a.session.delete(a.session.get(a.Laptop, 2))
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build_joined, seed_joined, act)
    assert sum(sum(op.counts.values()) for op in ops) == 3


def test_joined_laptop_with_a_repair_is_refused(corpus: Harness) -> None:
    def act(a: App) -> None:
        a.session.delete(a.session.get(a.Laptop, 3))
        a.session.commit()

    check_like_hard(corpus, build_joined, seed_joined, act)


def test_joined_select_on_a_subclass_column(corpus: Harness) -> None:
    def act(a: App) -> None:
        if a.tombstone is not None:
            a.tombstone.delete(select(a.Laptop).where(a.Laptop.ram < 20))
        else:
            for laptop in a.Laptop.query.filter(a.Laptop.ram < 20).all():
                a.session.delete(laptop)
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build_joined, seed_joined, act)
    assert sum(sum(op.counts.values()) for op in ops) == 5


def test_joined_phone_delete_leaves_laptops_alone(corpus: Harness) -> None:
    def act(a: App) -> None:
        assert a.session.execute(delete(a.Phone).where(a.Phone.carrier == "att")).rowcount == 1
        a.session.commit()

    def hard(a: App) -> None:
        a.session.delete(a.session.get(a.Phone, 4))
        a.session.commit()

    check_like_hard(corpus, build_joined, seed_joined, act, hard)
