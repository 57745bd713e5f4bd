"""A restore refused by a row in the way names that row only to a caller who may see it: to
another, its model and nothing else — not its label, not its key, not the deletion that
trashed it (docs/api.md: "never leaks existence")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.access import Access
from flask_tombstone.api import DeletionAPI
from flask_tombstone.core.errors import RestoreConflict, RowRef
from flask_tombstone.views import describe

TOKENS = {"secret-mia": "mia", "secret-ada": "ada"}
MIA = {"Authorization": "Bearer secret-mia"}
ADA = {"Authorization": "Bearer secret-ada"}


def bearer() -> Any:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return TOKENS.get(token) if scheme == "Bearer" else None


@pytest.fixture
def client(tmp_path: Path) -> Any:
    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Task(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(80))
        owner: Mapped[str] = mapped_column(String(20))

    class Note(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(String(200))
        task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))

    access = Access(
        actor=bearer,
        login_required=True,
        visible=lambda actor, model: Task.owner == actor if model is Task else None,
        operations=lambda actor: Operation.actor == actor,
        purgeable=lambda actor: false(),
    )
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.sqlite'}"
    db.init_app(app)
    tombstone = Tombstone(app, db=db)
    api = DeletionAPI(app, tombstone, access=access)
    api.register(Task, slug="tasks")
    api.register(Note, slug="notes")
    with app.app_context():
        db.create_all()
        db.session.add(Task(id=5, title="Secret merger plan", owner="ada"))
        db.session.add(Note(id=5, body="n5", task_id=5))
        db.session.add(Note(id=6, body="n6", task_id=5))
        db.session.commit()
    return app.test_client()


def test_a_hidden_parent_in_the_trash_is_named_by_its_model_only(client: Any) -> None:
    assert client.get("/api/tasks/5/deletion-preview", headers=MIA).status_code == 404
    prefer = {"Prefer": "return=representation"}
    mine = client.delete("/api/notes/5", headers=MIA | prefer).json
    hers = client.delete("/api/notes/6", headers=ADA | prefer).json
    task = client.delete("/api/tasks/5", headers=ADA | prefer).json
    answer = client.post(mine["undo"], headers=MIA)
    assert answer.status_code == 409
    (conflict,) = answer.json["conflicts"]
    assert conflict["reason"] == "parent_in_trash"
    assert conflict["other"] == {"model": "Task", "id": None, "label": ""}
    assert conflict["other_operation"] is None
    assert "Secret merger plan" not in answer.get_data(as_text=True)
    assert "retry_with_parents" not in answer.json
    # Ada sees her task and her deletion of it: to her, the same conflict names both.
    answer = client.post(hers["undo"], headers=ADA)
    assert answer.status_code == 409
    (conflict,) = answer.json["conflicts"]
    assert conflict["other"] == {"model": "Task", "id": 5, "label": "Secret merger plan"}
    assert conflict["other_operation"] == task["id"]
    assert answer.json["retry_with_parents"] == [task["id"]]


def test_the_views_say_it_without_the_name() -> None:
    hidden = RestoreConflict(
        reason="parent_in_trash",
        row=RowRef(model="Note", id=5, label="n5"),
        other=RowRef(model="Task", id=None, label=""),
    )
    said = describe.conflict(hidden)
    assert "in the trash and that you cannot see" in said and "“”" not in said
