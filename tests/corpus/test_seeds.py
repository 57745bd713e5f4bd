"""The seeds' own apps (shared/seeds 000-003), written as the tutorials write them.

000: ``db = SQLAlchemy(app)``, ``User(db.Model)``, a ``/delete_user/<id>`` route doing
``User.query.get(id)``, ``db.session.delete(user)``, ``db.session.commit()`` (and the tldr's
``Model.query.filter_by(id=id).delete()``); 001: ``filter_by(id=1).first()`` + delete, then
``User.query.filter(User.age > 30).delete()``; 002: a plain ``sessionmaker`` deleting in a loop
with rollback and close; 003: ``Item`` with ``get_or_404`` delete routes (form POST with
flash/redirect and a JSON ``DELETE``).

The only change to each app: ``SoftDeleteMixin`` on its models (``Soft`` below is the mixin in
the soft app and a bare class in the plain twin). ``Tombstone(app, db=db)`` comes right after
``db``, before the models, as an app adding the extension to such a file would write it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, flash, redirect, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, Integer, String, inspect, select
from sqlalchemy.exc import InvalidRequestError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.orm.exc import ObjectDeletedError

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.core import Tombstone as CoreTombstone

from .conftest import App, Harness, Plain, check_like_hard, operations, session_usable

legacy_get = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.LegacyAPIWarning")


def build(uri: str, soft: bool = True) -> App:
    Soft: type = SoftDeleteMixin if soft else Plain

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SECRET_KEY"] = "secret!"
    db = SQLAlchemy(app)
    tombstone = Tombstone(app, db=db) if soft else None

    class User(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50))
        email = db.Column(db.String(50))
        age = db.Column(db.Integer)

    class Item(Soft, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(100))
        owner_id = db.Column(db.Integer)

    @app.route("/")
    def index() -> str:
        return "items: " + ", ".join(i.name for i in Item.query.order_by(Item.id))

    # seed 000
    @app.route("/delete_user/<int:id>", methods=["POST"])
    def delete_user(id: int) -> str:
        user = User.query.get(id)
        if user:
            db.session.delete(user)
            db.session.commit()
            return "User deleted successfully"
        else:  # noqa: RET505 (the seed's own code)
            return "User not found"

    # seed 003, first route
    @app.route("/delete/<int:item_id>", methods=["POST"])
    def delete_item(item_id: int) -> Any:
        item = Item.query.get_or_404(item_id)
        try:
            db.session.delete(item)
            db.session.commit()
            flash("Item deleted successfully.", "success")
        except Exception as e:
            db.session.rollback()
            flash(f"Error deleting item: {e}", "error")
        return redirect(url_for("index"))

    # seed 003, the JSON route
    @app.route("/items/<int:item_id>", methods=["DELETE"])
    def api_delete_item(item_id: int) -> Any:
        item = Item.query.get_or_404(item_id)
        db.session.delete(item)
        db.session.commit()
        return "", 204

    return App(app, db, tombstone, {"User": User, "Item": Item})


PEOPLE = (("ann", 25), ("bob", 35), ("cid", 45), ("dee", 31), ("eve", 19))


def seed(a: App) -> None:
    a.session.add_all(
        a.User(id=i, name=n, email=f"{n}@example.org", age=age)
        for i, (n, age) in enumerate(PEOPLE, start=1)
    )
    a.session.add_all(
        a.Item(id=i, name=n, owner_id=o)
        for i, n, o in ((1, "pen", 1), (2, "cup", 2), (3, "hat", 1))
    )


def names(a: App) -> list[str]:
    return sorted(u.name for u in a.User.query.all())


@legacy_get
def test_seed_000_delete_user_route(corpus: Harness) -> None:
    def act(a: App) -> None:
        client = a.app.test_client()
        assert client.post("/delete_user/2").text == "User deleted successfully"
        assert client.post("/delete_user/2").text == "User not found"
        assert client.post("/delete_user/99").text == "User not found"

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"User": 1}]


@legacy_get
def test_seed_000_deleted_user_is_hidden_everywhere(corpus: Harness) -> None:
    a = corpus.open(build)
    seed(a)
    a.session.commit()
    assert a.app.test_client().post("/delete_user/2").text == "User deleted successfully"
    (op,) = operations(a)
    assert op.counts == {"User": 1} and op.root_model == "User"
    assert a.User.query.get(2) is None
    assert a.session.get(a.User, 2) is None
    assert a.User.query.filter_by(id=2).first() is None
    assert a.User.query.count() == 4
    assert a.session.scalar(select(a.User).where(a.User.name == "bob")) is None
    # the row is still there, stamped with the operation
    bob = a.session.scalars(
        select(a.User).where(a.User.id == 2).execution_options(include_deleted=True)
    ).one()
    assert bob.name == "bob" and bob.deleted_by_op == op.id and bob.deleted_at is not None
    trash = a.session.scalars(select(a.User).execution_options(only_deleted=True)).all()
    assert [u.id for u in trash] == [2]


def test_seed_000_tldr_filter_by_id_delete(corpus: Harness) -> None:
    def act(a: App) -> None:
        assert a.User.query.filter_by(id=3).delete() == 1
        a.session.commit()
        assert a.User.query.filter_by(id=3).delete() == 0
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"User": 1}]


def test_seed_001_first_then_filter_delete(corpus: Harness) -> None:
    def act(a: App) -> None:
        User, db = a.User, a.db
        # Delete a single record
        user = User.query.filter_by(id=1).first()
        db.session.delete(user)
        db.session.commit()
        # like SQLAlchemy after a hard delete: detached, what was loaded stays readable
        assert inspect(user).detached
        assert user.name == "ann" and user.age == 25
        if a.tombstone is not None:
            assert user.is_deleted
        # Delete multiple records based on a condition
        assert User.query.filter(User.age > 30).delete() == 3
        db.session.commit()
        assert names(a) == ["eve"]

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"User": 1}, {"User": 3}]


def test_seed_001_session_stays_usable(corpus: Harness) -> None:
    a = corpus.open(build)
    seed(a)
    a.session.commit()
    user = a.User.query.filter_by(id=1).first()
    a.session.delete(user)
    a.session.commit()
    a.User.query.filter(a.User.age > 30).delete()
    a.session.commit()
    eve = a.User.query.filter_by(name="eve").one()
    session_usable(a, eve, "email", "eve@new.example.org")
    a.session.add(a.User(id=6, name="fay", age=50))
    a.session.commit()
    assert names(a) == ["eve", "fay"]
    assert a.User.query.filter(a.User.age > 30).delete() == 1
    a.session.commit()
    assert names(a) == ["eve"]
    assert len(operations(a)) == 3


@pytest.mark.parametrize("soft", [False, True], ids=["plain", "soft"])
def test_trashed_by_another_session_is_gone_for_this_one(corpus: Harness, soft: bool) -> None:
    """What this session sees of a row another session deleted: as after a hard delete."""
    a = corpus.open(build, soft=soft)
    seed(a)
    a.session.commit()
    mine = a.session.get(a.User, 4)
    assert mine is not None and mine.name == "dee"
    a.session.commit()  # this session's transaction ends; `mine` is expired
    with a.db.session.session_factory() as other:
        theirs = other.get(a.User, 4)
        other.delete(theirs)
        other.commit()
    with pytest.raises(InvalidRequestError, match="Could not refresh"):
        a.session.refresh(mine)
    a.session.rollback()
    a.session.expire(mine)
    with pytest.raises(ObjectDeletedError):
        _ = mine.name
    a.session.rollback()
    assert a.session.get(a.User, 4) is None
    assert a.User.query.filter_by(id=4).first() is None
    if soft:
        assert [op.counts for op in operations(a)] == [{"User": 1}]


@legacy_get
def test_seed_003_delete_routes(corpus: Harness) -> None:
    def act(a: App) -> None:
        client = a.app.test_client()
        response = client.post("/delete/2", follow_redirects=True)
        assert response.status_code == 200 and response.text == "items: pen, hat"
        assert client.post("/delete/2").status_code == 404
        assert client.delete("/items/3").status_code == 204
        assert client.delete("/items/3").status_code == 404
        assert client.get("/").text == "items: pen"

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"Item": 1}, {"Item": 1}]


# -- seed 002: plain SQLAlchemy, a sessionmaker, a loop of session.delete ------------------------
class Base(DeclarativeBase):
    pass


class SeedUser(SoftDeleteMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(100))


def test_seed_002_sessionmaker_loop(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        from .conftest import _fk_pragma

        event.listen(engine, "connect", _fk_pragma)
    Session = sessionmaker(bind=engine)
    ts = CoreTombstone(Base, session=Session)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        with Session() as setup:
            setup.add_all(
                [
                    SeedUser(id=1, name="a", email="example@test.com"),
                    SeedUser(id=2, name="b", email="other@test.com"),
                    SeedUser(id=3, name="c", email="example@test.com"),
                ]
            )
            setup.commit()
        User = SeedUser
        failed = None
        try:
            # open a session
            session = Session()

            # query the table to find records to delete
            records_to_delete = session.query(User).filter(User.email == "example@test.com").all()

            for record in records_to_delete:
                # delete the record
                session.delete(record)

            # commit the changes to the database
            session.commit()

        except SQLAlchemyError as e:
            # handle any errors that occur
            failed = e
            session.rollback()

        finally:
            # close the session
            session.close()
        assert failed is None
        with Session() as check:
            assert [u.id for u in check.scalars(select(User))] == [2]
            every = check.scalars(
                select(User).order_by(User.id).execution_options(include_deleted=True)
            ).all()
            assert [u.id for u in every] == [1, 2, 3]
            ops = check.scalars(select(Operation)).all()
            assert sum(op.counts.get("SeedUser", 0) for op in ops) == 2
            assert {u.deleted_by_op for u in every if u.id != 2} <= {op.id for op in ops}
            for op in ops:
                ts.restore(op.id, session=check)
            check.commit()
            assert [u.id for u in check.scalars(select(User).order_by(User.id))] == [1, 2, 3]
    finally:
        Base.metadata.drop_all(engine)
