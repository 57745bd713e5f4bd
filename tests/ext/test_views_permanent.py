"""What the views gained for apps like Taskboard, on a small app of shelves and books (on every
database): permanent deletion for those :meth:`Access.permanent` allows (with a required
reason, 403 for others), a restore refused only because a parent is in the trash offering
"Restore with ..." (for those who may restore that deletion too), and a restore refused by a
taken unique name linking to the row that took it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, select, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone, unique_live
from flask_tombstone.access import Access
from flask_tombstone.views import DeletionViews

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Shelf(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "perm_shelf"
    __table_args__ = (unique_live("name", name="uq_perm_shelf_name_live"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Book(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "perm_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    shelf_id: Mapped[int] = mapped_column(ForeignKey("perm_shelf.id", ondelete="CASCADE"))


def actor() -> str | None:
    return request.headers.get("X-User") or None


ACCESS = Access(
    actor=actor,
    login_required=True,
    # Admins restore everything; others their own deletions only.
    restorable=lambda who: true() if who == "ada" else Operation.actor == who,
    permanent=lambda who: who == "ada",
)


def shelf_url(model: type, key: Any) -> str | None:
    return f"/shelves/{key}" if model is Shelf else None


@pytest.fixture
def app(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    app = Flask(__name__)
    app.config |= {"SQLALCHEMY_DATABASE_URI": server_urls[db_kind], "SECRET_KEY": "t"}
    db.init_app(app)
    tombstone = Tombstone(app, db=db)
    DeletionViews(
        app, tombstone, models={"shelves": Shelf, "books": Book}, access=ACCESS, row_url=shelf_url
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        shelf = Shelf(name="Poetry")
        db.session.add(shelf)
        db.session.flush()
        db.session.add_all(Book(title=t, shelf_id=shelf.id) for t in ("Odes", "Sonnets"))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class Person:
    def __init__(self, app: Flask, name: str) -> None:
        self.client: FlaskClient = app.test_client()
        self.headers = {"X-User": name}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, data: dict[str, str] | None = None) -> Any:
        page = self.client.get("/trash", headers=self.headers).get_data(as_text=True)
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        return self.client.post(
            url, data={"csrf_token": token, **(data or {})}, headers=self.headers
        )

    def delete(self, url: str, data: dict[str, str] | None = None) -> Any:
        page = self.get(url).get_data(as_text=True)
        return self.post(url, {"token": TOKEN.search(page).group(1), **(data or {})})  # type: ignore[union-attr]


def ident(app: Flask, model: Any, column: Any, value: str) -> int:
    with app.app_context():
        query = select(model.id).where(column == value).execution_options(include_deleted=True)
        found: int = db.session.scalars(query).one()
        return found


def stored(app: Flask, model: Any, key: int) -> Any:
    """The row as stored, trashed or not (``None`` once it is gone for good)."""
    with app.app_context():
        query = select(model).where(model.id == key).execution_options(include_deleted=True)
        row = db.session.scalars(query).first()
        return None if row is None else row.deleted_at is None


def last_op(app: Flask) -> int:
    with app.app_context():
        found: int = db.session.scalar(select(Operation.id).order_by(Operation.id.desc()))
        return found


def test_permanent_deletion_for_those_allowed_with_a_reason(app: Flask) -> None:
    ada, mia = Person(app, "ada"), Person(app, "mia")
    odes = ident(app, Book, Book.title, "Odes")
    url = f"/books/{odes}/delete"
    assert "Delete permanently instead" not in mia.get(url).get_data(as_text=True)
    offered = ada.get(url).get_data(as_text=True)
    assert "Delete permanently instead" in offered and "hard=1" in offered

    assert mia.get(url + "?hard=1").status_code == 403
    assert mia.post(url, {"hard": "1", "reason": "x", "token": "t"}).status_code == 403
    assert stored(app, Book, odes) is True

    page = ada.get(url + "?hard=1").get_data(as_text=True)
    assert "Delete book “Odes” permanently?" in page
    assert "deletes it for good" in page and "required" in page
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    no_reason = ada.post(url, {"hard": "1", "token": token, "reason": " "})
    assert no_reason.status_code == 422
    assert "a permanent deletion cannot be undone" in no_reason.get_data(as_text=True)
    assert stored(app, Book, odes) is True

    done = ada.post(url, {"hard": "1", "token": token, "reason": "duplicate"})
    assert done.status_code == 303
    assert stored(app, Book, odes) is None  # gone, not in the trash
    notice = ada.get("/trash").get_data(as_text=True)
    assert "Deleted book “Odes” for good." in notice and "/undo" not in notice
    with app.app_context():
        op = db.session.get(Operation, last_op(app))
        assert op is not None and op.kind == "hard_delete" and op.reason == "duplicate"


def test_a_parent_in_the_trash_offers_restore_with_it(app: Flask) -> None:
    mia = Person(app, "mia")
    odes, shelf = ident(app, Book, Book.title, "Odes"), ident(app, Shelf, Shelf.name, "Poetry")
    assert mia.delete(f"/books/{odes}/delete").status_code == 303
    book_op = last_op(app)
    assert mia.delete(f"/shelves/{shelf}/delete").status_code == 303
    shelf_op = last_op(app)

    refused = mia.post(f"/trash/{book_op}/restore")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "belongs to shelf “Poetry”, which is in the trash" in text
    assert "Restore with shelf “Poetry”" in text and 'name="with_parents"' in text
    assert stored(app, Book, odes) is False

    both = mia.post(f"/trash/{book_op}/restore", {"with_parents": "1"})
    assert both.status_code == 303
    assert stored(app, Shelf, shelf) and stored(app, Book, odes)
    notice = mia.get("/trash").get_data(as_text=True)
    assert "Restored book “Odes”, with shelf “Poetry”" in notice
    with app.app_context():
        restores = db.session.scalars(
            select(Operation.ref_op).where(Operation.kind == "restore").order_by(Operation.id)
        ).all()
    assert sorted(restores) == sorted([book_op, shelf_op])


def test_restore_with_parents_needs_the_right_to_restore_them(app: Flask) -> None:
    mia, ada = Person(app, "mia"), Person(app, "ada")
    odes, shelf = ident(app, Book, Book.title, "Odes"), ident(app, Shelf, Shelf.name, "Poetry")
    assert mia.delete(f"/books/{odes}/delete").status_code == 303
    book_op = last_op(app)
    assert ada.delete(f"/shelves/{shelf}/delete").status_code == 303  # not mia's to restore

    refused = mia.post(f"/trash/{book_op}/restore")
    assert refused.status_code == 409
    assert "Restore with" not in refused.get_data(as_text=True)
    forced = mia.post(f"/trash/{book_op}/restore", {"with_parents": "1"})
    assert forced.status_code == 409
    assert "Restore with" not in forced.get_data(as_text=True)
    assert stored(app, Shelf, shelf) is False and stored(app, Book, odes) is False


def test_a_taken_unique_name_links_to_the_row_that_took_it(app: Flask) -> None:
    mia = Person(app, "mia")
    shelf = ident(app, Shelf, Shelf.name, "Poetry")
    assert mia.delete(f"/shelves/{shelf}/delete").status_code == 303
    op = last_op(app)
    with app.app_context():
        db.session.add(Shelf(name="Poetry"))
        db.session.commit()
    with app.app_context():
        query = select(Shelf.id).where(Shelf.name == "Poetry", Shelf.id != shelf)
        taken = db.session.scalars(query).one()

    refused = mia.post(f"/trash/{op}/restore")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "its name is now used by shelf “Poetry”" in text
    assert f'href="/shelves/{taken}"' in text and "Go to shelf “Poetry”" in text
    assert "Restore with" not in text
    assert stored(app, Shelf, shelf) is False
