"""The views' authorization hooks on a small multi-user app (not Taskboard): what an actor may
not see is 404, what they see but may not do is 403, on every database, and a refused
request changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, false, select, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.views import Access, DeletionViews

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Task(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    owner: Mapped[str] = mapped_column(String(20))
    locked: Mapped[bool] = mapped_column(default=False)


class Note(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(80))
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))


ADMINS = {"ada"}


def current() -> str | None:
    return request.headers.get("X-User")


def visible(actor: Any, model: type) -> Any:
    return Task.owner == actor if model is Task else None


def deletable(actor: Any, model: type) -> Any:
    return Task.locked.is_(False) if model is Task else None


def operations(actor: Any) -> Any:
    return true() if actor in ADMINS else Operation.actor == actor


def purgeable(actor: Any) -> Any:
    return true() if actor in ADMINS else false()


@pytest.fixture
def board(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    app = Flask(__name__)
    app.config |= {"SQLALCHEMY_DATABASE_URI": server_urls[db_kind], "SECRET_KEY": "t"}
    db.init_app(app)
    tombstone = Tombstone(app, db=db, actor_loader=current)
    access = Access(
        actor=current,
        login_required=True,
        visible=visible,
        deletable=deletable,
        operations=operations,
        purgeable=purgeable,
    )
    DeletionViews(app, tombstone, models={"tasks": Task}, access=access)
    with app.app_context():
        db.drop_all()
        db.create_all()
        for owner in ("mia", "max"):
            for n, locked in ((1, False), (2, True)):
                task = Task(title=f"{owner} task {n}", owner=owner, locked=locked)
                db.session.add(task)
                db.session.flush()
                db.session.add_all(Note(body=f"note {i}", task_id=task.id) for i in range(3))
        db.session.commit()
    yield app  # no app context held: each request gets its own, as in production
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class Person:
    def __init__(self, app: Flask, name: str | None) -> None:
        self.client: FlaskClient = app.test_client()
        self.headers = {"X-User": name} if name else {}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, data: dict[str, str] | None = None) -> Any:
        page = self.client.get("/trash", headers=self.headers).get_data(as_text=True)
        found = CSRF.search(page)
        token = {"csrf_token": found.group(1)} if found else {}
        return self.client.post(url, data=token | (data or {}), headers=self.headers)

    def delete(self, task_id: int) -> Any:
        page = self.get(f"/tasks/{task_id}/delete").get_data(as_text=True)
        return self.post(f"/tasks/{task_id}/delete", {"token": TOKEN.search(page).group(1)})  # type: ignore[union-attr]


def task(app: Flask, title: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(Task.id).where(Task.title == title)))


def live(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Task.title)))


def snapshot(app: Flask) -> list[Any]:
    with app.app_context():
        every = select(Task.id, Task.deleted_at).execution_options(include_deleted=True)
        notes = select(Note.id, Note.deleted_at).execution_options(include_deleted=True)
        ops = select(Operation.id, Operation.kind)
        return [*db.session.execute(every), *db.session.execute(notes), *db.session.execute(ops)]


def test_unseen_rows_are_404_and_seen_but_forbidden_403(board: Flask) -> None:
    mia = Person(board, "mia")
    before = snapshot(board)
    max_task = task(board, "max task 1")
    assert mia.get(f"/tasks/{max_task}/delete").status_code == 404
    assert mia.post(f"/tasks/{max_task}/delete").status_code == 404
    locked = task(board, "mia task 2")
    assert mia.get(f"/tasks/{locked}/delete").status_code == 403
    assert mia.post(f"/tasks/{locked}/delete").status_code == 403
    assert Person(board, None).get(f"/tasks/{locked}/delete").status_code == 401
    assert snapshot(board) == before


def test_operations_are_scoped_restore_and_purge_by_rule(board: Flask) -> None:
    mia, max_, ada = Person(board, "mia"), Person(board, "max"), Person(board, "ada")
    assert mia.delete(task(board, "mia task 1")).status_code == 303
    with board.app_context():
        op_id = db.session.scalar(select(Operation.id).where(Operation.actor == "mia"))
    assert "mia task 1" not in live(board)
    assert "mia task 1" in mia.get("/trash").get_data(as_text=True)
    assert "mia task 1" not in max_.get("/trash").get_data(as_text=True)
    assert "mia task 1" not in max_.get("/operations").get_data(as_text=True)
    before = snapshot(board)
    for url in (f"/trash/{op_id}/restore", f"/operations/{op_id}/undo", f"/trash/{op_id}/purge"):
        got = max_.post(url, {"reason": "x"})
        assert got.status_code == 404, (url, got.get_data(as_text=True))  # not in max's log
    assert mia.post(f"/trash/{op_id}/purge", {"reason": "x"}).status_code == 403  # seen
    assert snapshot(board) == before

    refused = ada.post(f"/trash/{op_id}/purge", {"reason": "  "})  # a reason is required
    assert refused.status_code == 303 and snapshot(board) == before
    assert ada.post(f"/trash/{op_id}/purge", {"reason": "gdpr"}).status_code == 303
    with board.app_context():
        gone = select(Task.id).where(Task.title == "mia task 1")
        assert db.session.scalar(gone.execution_options(include_deleted=True)) is None
    assert mia.post(f"/trash/{op_id}/restore").status_code == 303
    assert "already purged" in mia.get("/trash").get_data(as_text=True)


def test_cascade_preview_names_what_goes_along(board: Flask) -> None:
    mia = Person(board, "mia")
    page = mia.get(f"/tasks/{task(board, 'mia task 1')}/delete").get_data(as_text=True)
    assert "Delete task “mia task 1”?" in page
    assert "Notes" in page and "“note 0”" in page
    assert mia.delete(task(board, "mia task 1")).status_code == 303
    with board.app_context():
        op = db.session.scalars(select(Operation)).one()
        assert op.counts == {"Task": 1, "Note": 3} and op.actor == "mia"
    log = mia.get("/operations").get_data(as_text=True)
    assert "Moved to the trash: task “mia task 1”" in log and "with 3 notes" in log
