"""The views and the API on models as other people write them: inheritance (a subclass row
of a registered base), a label attribute named apart from its column, labels that are empty,
long or not ASCII, an association object keyed by two columns; on every database."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import ConfigurationError, SoftDeleteMixin, Tombstone
from flask_tombstone.api import DeletionAPI
from flask_tombstone.views import Access, DeletionViews

LONG = " ".join(  # a long comment: about 7,000 characters that do not compress away
    "".join(chr(97 + random.Random(n).randrange(26)) for n in range(w, w + 6)) for w in range(1000)
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Employee(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ms_employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "employee"}  # noqa: RUF012


class Manager(Employee):
    __tablename__ = "ms_manager"
    id: Mapped[int] = mapped_column(ForeignKey("ms_employee.id"), primary_key=True)
    budget: Mapped[int] = mapped_column(default=0)
    __mapper_args__ = {"polymorphic_identity": "manager"}  # noqa: RUF012


class Product(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ms_product"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_name: Mapped[str | None] = mapped_column("name", String(80))  # a legacy column name


class Note(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ms_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str | None] = mapped_column(Text)


class Enrollment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ms_enrollment"
    student: Mapped[int] = mapped_column(primary_key=True)
    course: Mapped[int] = mapped_column(primary_key=True)


class Everyone(Access):
    def permanent(self, actor: Any) -> bool:
        return True


@pytest.fixture
def app(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    app = Flask(__name__)
    app.config |= {"SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": server_urls[db_kind]}
    db.init_app(app)
    tombstone = Tombstone(app, db=db)
    views = DeletionViews(
        app,
        tombstone,
        models={"employees": Employee, "products": Product, "notes": Note},
        access=Everyone(),
    )
    DeletionAPI(app, tombstone, views=views)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(
            [
                Employee(id=1, name="Eve"),
                Manager(id=2, name="Max", budget=10),
                Product(id=1, product_name="Lamp"),
                Product(id=2, product_name=None),
                Note(id=1, body="Crème brûlée"),
                Note(id=2, body=LONG),
            ]
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def confirm(client: Any, url: str) -> Any:
    page = client.get(url).get_data(as_text=True)
    form = {"csrf_token": CSRF.search(page).group(1), "token": TOKEN.search(page).group(1)}
    return client.post(url, data=form)


def heading(client: Any, url: str) -> str:
    return HEADING.search(client.get(url).get_data(as_text=True)).group(1).strip()


def test_a_subclass_row_of_a_registered_base_has_its_pages(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/employees/2/delete").status_code == 200
    assert client.get("/employees/2/delete?hard=1").status_code == 200
    preview = client.get("/api/employees/2/deletion-preview")
    assert preview.status_code == 200 and preview.json["counts"] == {"Employee": 1}
    with app.test_request_context():
        button = render_template_string(
            "{{ tombstone_delete_button(m) }}", m=db.session.get(Employee, 2)
        )
    assert 'href="/employees/2/delete"' in button


def test_labels_read_through_their_attribute_and_named_when_empty(app: Flask) -> None:
    client = app.test_client()
    assert heading(client, "/products/1/delete") == "Delete product “Lamp”?"
    assert heading(client, "/products/2/delete") == "Delete product “Product 2”?"
    assert confirm(client, "/products/2/delete").status_code == 303
    samples = client.get("/api/trash").json["items"][0]["samples"]
    assert samples == {"Product": ["Product 2"]}  # never "None"


def test_a_long_label_keeps_the_undo_notice_under_a_browsers_cookie(app: Flask) -> None:
    client = app.test_client()
    done = confirm(client, "/notes/2/delete")
    assert done.status_code == 303
    cookie = done.headers.get("Set-Cookie", "")
    assert len(cookie) < 4096, len(cookie)


def test_the_trash_is_searched_for_text_beyond_ascii(app: Flask) -> None:
    client = app.test_client()
    assert confirm(client, "/notes/1/delete").status_code == 303
    for q in ("Crème", "brûlée"):
        assert "Crème brûlée" in client.get("/trash", query_string={"q": q}).get_data(as_text=True)
        assert client.get("/api/trash", query_string={"q": q}).json["total"] == 1


def test_a_model_keyed_by_two_columns_cannot_be_registered(app: Flask) -> None:
    views = app.extensions["tombstone_views"]
    with pytest.raises(ConfigurationError, match="Enrollment is keyed by student, course"):
        views.register(Enrollment)
    with pytest.raises(ConfigurationError, match="Enrollment is keyed by student, course"):
        app.extensions["tombstone_api"].register(Enrollment)
