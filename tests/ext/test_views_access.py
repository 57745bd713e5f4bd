"""The views' authorization hooks on a small multi-user app (not Taskboard, ``board.py``): what
an actor may not see is 404, what they see but may not do is 403, on every database, and a
refused request changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.views import DeletionViews

from .board import Task, credentials, db, doc, live, snapshot, task
from .board import board as small_board

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture
def board(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    yield from small_board(server_urls[db_kind], api=False, views=True)


class Person:
    def __init__(self, app: Flask, name: str | None) -> None:
        self.client: FlaskClient = app.test_client()
        self.headers = credentials(name)

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


def test_bulk_delete_of_a_selection_takes_only_what_the_actor_sees(board: Flask) -> None:
    mia = Person(board, "mia")
    mine, theirs = task(board, "mia task 1"), task(board, "max task 1")
    url = f"/tasks/bulk-delete?ids={mine}&ids={theirs}&next=/trash"
    page = mia.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Delete 1 task?" in text
    token = TOKEN.search(text).group(1)  # type: ignore[union-attr]
    done = mia.post(url, {"token": token})
    assert done.status_code == 303 and done.headers["Location"] == "/trash"
    assert live(board) == ["max task 1", "max task 2", "mia task 2"]
    notice = mia.get("/trash").get_data(as_text=True)
    assert "Deleted 1 task and 3 notes." in notice and "/undo" in notice


def test_a_uuid_key_has_one_address(board: Flask) -> None:
    """As in the API: a UUID in a URL is its canonical, lower-case form, nothing else."""
    mia = Person(board, "mia")
    key = doc(board, "mia")
    assert mia.get(f"/docs/{key}/delete").status_code == 200
    for form in (str(key).upper(), "{" + str(key) + "}", key.hex, "urn:uuid:" + str(key)):
        assert mia.get(f"/docs/{form}/delete").status_code == 404, form
        assert mia.get(f"/docs/bulk-delete?ids={form}").status_code == 422, form


@pytest.mark.parametrize(
    "query",
    ["", "ids=x", "ids=1&ids=01", "ids=" + "9" * 4301, "all=1&q=" + "x" * 41, "all=1&locked=maybe"],
    ids=["nothing", "not-an-id", "not-canonical", "too-many-digits", "long-q", "bad-locked"],
)
def test_bulk_delete_refuses_what_does_not_validate(board: Flask, query: str) -> None:
    mia = Person(board, "mia")
    before = snapshot(board)
    page = mia.get(f"/tasks/bulk-delete?{query}")
    assert page.status_code == 422
    assert 'name="token"' not in page.get_data(as_text=True)  # nothing offered
    assert mia.post(f"/tasks/bulk-delete?{query}", {"token": "x"}).status_code == 422
    assert snapshot(board) == before


def test_bulk_delete_of_all_matching_a_filter(board: Flask) -> None:
    mia = Person(board, "mia")
    url = "/tasks/bulk-delete?all=1&locked=0"
    text = mia.get(url).get_data(as_text=True)
    assert "Delete 1 task?" in text  # mia's unlocked task, not max's
    assert mia.post(url, {"token": TOKEN.search(text).group(1)}).status_code == 303  # type: ignore[union-attr]
    assert live(board) == ["max task 1", "max task 2", "mia task 2"]
    assert Person(board, "mia").get("/notes/bulk-delete?all=1").status_code == 422  # no filter


def test_bulk_delete_over_the_cap_is_refused_before_it_is_offered(board: Flask) -> None:
    board.config["TOMBSTONE_VIEWS_BULK_CAP"] = 2
    ada, mia = Person(board, "ada"), Person(board, "mia")
    with board.app_context():
        db.session.add_all(Task(title=f"mia extra {i}", owner="mia") for i in range(3))
        db.session.commit()
    before = snapshot(board)
    page = mia.get("/tasks/bulk-delete?all=1&locked=0")
    assert page.status_code == 422 and "at most 2" in page.get_data(as_text=True)
    assert mia.post("/tasks/bulk-delete?all=1&locked=0", {"token": "x"}).status_code == 422
    assert snapshot(board) == before
    assert ada.get("/tasks/bulk-delete?all=1").status_code == 404  # ada owns no task


def test_a_stale_bulk_preview_is_refused(board: Flask) -> None:
    mia = Person(board, "mia")
    url = "/tasks/bulk-delete?all=1&q=mia&locked=0"
    text = mia.get(url).get_data(as_text=True)
    with board.app_context():
        db.session.add(Task(title="mia task 3", owner="mia"))
        db.session.commit()
    before = snapshot(board)
    refused = mia.post(url, {"token": TOKEN.search(text).group(1)})  # type: ignore[union-attr]
    assert refused.status_code == 409 and "changed since you looked" in refused.get_data(
        as_text=True
    )
    assert snapshot(board) == before


def test_rows_the_actor_may_not_delete_block_the_bulk_delete_by_name(board: Flask) -> None:
    mia = Person(board, "mia")
    before = snapshot(board)
    page = mia.get("/tasks/bulk-delete?all=1&q=mia").get_data(as_text=True)
    assert "You may not delete task “mia task 2”." in page and 'name="token"' not in page
    refused = mia.post("/tasks/bulk-delete?all=1&q=mia", {"token": "x"})
    assert refused.status_code == 409
    assert snapshot(board) == before


def test_an_unreachable_database_is_503_with_retry_after(tmp_path: Path) -> None:
    """A database that cannot be opened (a file in a folder that does not exist: any driver
    error would do) is 503 on every page, never a traceback."""

    class DownBase(DeclarativeBase):
        pass

    down_db = SQLAlchemy(model_class=DownBase)

    class Thing(SoftDeleteMixin, down_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)

    app = Flask(__name__)
    app.config |= {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}",
        "SECRET_KEY": "t",
    }
    down_db.init_app(app)
    DeletionViews(app, Tombstone(app, db=down_db), models=[Thing])
    client = app.test_client()
    for url in ("/trash", "/operations", "/thing/1/delete"):
        answer = client.get(url)
        assert answer.status_code == 503, url
        assert answer.headers["Retry-After"] == "5"
        assert "Traceback" not in answer.get_data(as_text=True)
