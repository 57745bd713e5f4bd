"""The scope hook and the signals: what an app records beside each operation, through the
views and through the API, in the operation's own transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone, signals
from flask_tombstone.access import Access
from flask_tombstone.api import DeletionAPI
from flask_tombstone.views import DeletionViews


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Board(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Card(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"))


class OperationBoard(db.Model):  # type: ignore[name-defined,misc]
    """The app's own index of which boards an operation touched."""

    op_id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(primary_key=True)


def board_scope(actor: Any, target: Any) -> dict[str, Any]:
    if isinstance(target, Operation):
        return {"boards": target.context.get("boards", [])}
    if isinstance(target, Card):
        return {"boards": [target.board_id]}
    if isinstance(target, Board):
        return {"boards": [target.id]}
    boards = target.with_only_columns(Card.board_id).distinct().order_by(None)  # a select()
    return {"boards": sorted(db.session.scalars(boards))}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = Flask(__name__)
    app.config |= {
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.sqlite'}",
    }
    db.init_app(app)
    tombstone = Tombstone(app, db=db)
    access = Access(actor=lambda: "mia", scope=board_scope, purgeable=lambda actor: None)
    views = DeletionViews(app, tombstone, models={"cards": Card, "boards": Board}, access=access)
    DeletionAPI(app, tombstone, views=views)

    def index(sender: Flask, operation: Operation, **extra: Any) -> None:
        for board in operation.context.get("boards", []):
            db.session.add(OperationBoard(op_id=operation.id, board_id=board))

    signals.deleted.connect(index, app)
    signals.restored.connect(index, app)
    with app.app_context():
        db.create_all()
        db.session.add_all([Board(id=1, name="Home"), Board(id=2, name="Work")])
        db.session.add_all([Card(id=n, title=f"c{n}", board_id=1 + n % 2) for n in range(1, 7)])
        db.session.commit()
        yield app
        db.session.remove()
    signals.deleted.disconnect(index, app)
    signals.restored.disconnect(index, app)


def indexed(op_id: int) -> list[int]:
    query = select(OperationBoard.board_id).where(OperationBoard.op_id == op_id)
    return sorted(db.session.scalars(query))


def form_field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_a_deletion_from_the_views_records_its_scope_and_the_receiver_writes_with_it(
    app: Flask,
) -> None:
    client = app.test_client()
    page = client.get("/cards/3/delete").get_data(as_text=True)
    form = {name: form_field(page, name) for name in ("csrf_token", "token")}
    answer = client.post("/cards/3/delete", data=form)
    assert answer.status_code == 303
    op = db.session.scalars(select(Operation).order_by(Operation.id.desc())).first()
    assert op is not None and op.context["boards"] == [2]
    assert indexed(op.id) == [2]


def test_a_bulk_deletion_scopes_every_board_it_touches(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/api/cards/bulk-delete", json={"ids": [1, 2, 3]})
    assert response.status_code == 200, response.get_json()
    op_id = response.get_json()["id"]
    assert indexed(op_id) == [1, 2]


def test_a_restore_carries_the_deletion_scope(app: Flask) -> None:
    client = app.test_client()
    deleted = client.delete("/api/boards/1", headers={"Prefer": "return=representation"})
    op_id = deleted.get_json()["id"]
    restored = client.post(f"/api/operations/{op_id}/restore")
    assert restored.status_code == 200, restored.get_json()
    assert indexed(restored.get_json()["id"]) == [1]


def test_a_receiver_that_raises_rolls_the_deletion_back(app: Flask) -> None:
    def refuse(sender: Flask, **extra: Any) -> None:
        raise RuntimeError("the index is down")

    signals.deleted.connect(refuse, app)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = app.test_client().delete("/api/cards/4")
    finally:
        signals.deleted.disconnect(refuse, app)
    assert response.status_code == 500
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Operation)) == 0
    assert db.session.get(Card, 4) is not None


def test_a_restore_with_parents_signals_each_restore_with_its_own_deletion(app: Flask) -> None:
    seen: list[tuple[int, int]] = []

    def note(sender: Flask, operation: Operation, deletion: Operation, **extra: Any) -> None:
        seen.append((operation.ref_op or 0, deletion.id))

    client = app.test_client()
    card = client.delete("/api/cards/1", headers={"Prefer": "return=representation"})
    board = client.delete("/api/boards/2", headers={"Prefer": "return=representation"})
    card_op, board_op = card.get_json()["id"], board.get_json()["id"]
    refused = client.post(f"/api/operations/{card_op}/restore")
    assert refused.status_code == 409 and refused.get_json()["retry_with_parents"] == [board_op]

    signals.restored.connect(note, app)
    try:
        restored = client.post(f"/api/operations/{card_op}/restore", json={"with_parents": True})
    finally:
        signals.restored.disconnect(note, app)
    assert restored.status_code == 200, restored.get_json()
    assert sorted(seen) == sorted([(card_op, card_op), (board_op, board_op)])
    (parent,) = restored.get_json()["parents"]
    assert indexed(parent["id"]) == [2] and indexed(restored.get_json()["id"]) == [2]
