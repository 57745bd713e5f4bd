"""What the deletion API gained for apps with an API of their own (Taskboard's): its blueprint
before ``init_app`` (the app's authentication and limits on it), the document merged rather than
served, a row budget, actors' names, the app's own log filters, the trash's samples, restores
with their parents (``retry_with_parents``, ``parents``), times with offsets, and an answer
that goes back though the idempotency store failed after the work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, current_app, g, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, false, select, true, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.access import Access
from flask_tombstone.api import DeletionAPI, OperationFilter

PROBLEM = "application/problem+json"
NAMES = {"u1": "Mia", "u2": "Max", "u9": "Ada"}  # recorded actor: shown name
ADMINS = {"u9"}


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Folder(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "hook_folder"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Paper(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "hook_paper"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    folder_id: Mapped[int] = mapped_column(ForeignKey("hook_folder.id", ondelete="CASCADE"))


def user() -> str | None:
    found: str | None = g.get("user")
    return found


def authenticate() -> None:
    """The app's own authentication, added to the API's blueprint: its 401 goes out as is."""
    g.user = request.headers.get("X-User")
    if g.user not in NAMES:
        response = jsonify(title="Who are you?", status=401)
        response.status_code, response.mimetype = 401, PROBLEM
        abort(response)


def restorable(actor: str) -> Any:
    return true() if actor in ADMINS else Operation.actor == actor


def deletable(actor: str, model: type) -> Any:
    """Papers in a folder named otherwise than "Locked"; with ``TEST_RACE`` set, someone else
    deletes that paper (on a connection of their own, committed) as the rule is asked for."""
    ident = current_app.config.pop("TEST_RACE", None)
    if ident is not None:
        papers = Paper.__table__
        with db.engine.begin() as connection:
            stamp = {"deleted_at": datetime(2026, 1, 1), "deleted_by_op": None}
            connection.execute(update(papers).where(papers.c.id == ident).values(stamp))
    if model is Paper:
        return Paper.folder_id.in_(select(Folder.id).where(Folder.name != "Locked"))
    return None


@pytest.fixture
def made(tmp_path: Path) -> Iterator[tuple[Flask, DeletionAPI]]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'hooks.db'}"
    app.config["TEST_ROWS"] = []
    db.init_app(app)
    tombstone = Tombstone(app, db=db)

    def row_limit(actor: str, rows: int) -> float | None:
        app.config["TEST_ROWS"].append((actor, rows))
        return 30.0 if rows > 2 else None

    api = DeletionAPI(
        tombstone=tombstone,
        access=Access(
            actor=user,
            login_required=True,
            restorable=restorable,
            deletable=deletable,
            purgeable=lambda actor: true() if actor in ADMINS else false(),
        ),
        models={"folders": Folder, "papers": Paper},
        row_limit=row_limit,
        actor_names=lambda recorded: {r: NAMES[r] for r in recorded if r in NAMES},
        operation_filters={
            "actor": OperationFilter(
                {"type": "string", "enum": sorted(NAMES.values())},
                lambda name, actor: Operation.actor.in_([r for r, n in NAMES.items() if n == name]),
            ),
            "admin": OperationFilter(
                {"type": "boolean"},
                lambda wanted, actor: (
                    Operation.actor.in_(ADMINS) if wanted else Operation.actor.not_in(ADMINS)
                ),
            ),
        },
        openapi_url=None,
    )
    api.blueprint.before_request(authenticate)
    api.init_app(app)
    with app.app_context():
        db.create_all()
        db.session.add_all([Folder(id=1, name="Plans"), Folder(id=2, name="Old")])
        db.session.add_all(
            [
                Paper(id=1, name="Roof", folder_id=1),
                Paper(id=2, name="Walls", folder_id=1),
                Paper(id=3, name="Attic", folder_id=1),
                Paper(id=4, name="Cellar", folder_id=1),
                Paper(id=5, name="Shed", folder_id=2),
            ]
        )
        db.session.commit()
    yield app, api
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def call(app: Flask, who: str, method: str, url: str, **kwargs: Any) -> Any:
    headers = {"X-User": who} | kwargs.pop("headers", {})
    return app.test_client().open(url, method=method, headers=headers, **kwargs)


def deleted(app: Flask, who: str, url: str) -> int:
    response = call(app, who, "DELETE", url, headers={"Prefer": "return=representation"})
    assert response.status_code == 200, response.text
    return int(response.json["id"])


def test_the_apps_hooks_run_on_the_blueprint_and_its_answers_go_out_as_they_are(
    made: tuple[Flask, DeletionAPI],
) -> None:
    app, _ = made
    refused = call(app, "nobody", "GET", "/api/trash")
    assert refused.status_code == 401 and refused.json == {"title": "Who are you?", "status": 401}
    assert call(app, "u1", "GET", "/api/trash").status_code == 200


def test_without_openapi_url_the_document_is_the_apps_to_serve(
    made: tuple[Flask, DeletionAPI],
) -> None:
    app, api = made
    assert call(app, "u1", "GET", "/api/openapi.json").status_code == 404
    with app.test_request_context("/"):
        document = api.document()
    assert "/api/openapi.json" not in document["paths"]
    assert "/api/papers/{id}" in document["paths"]
    log = document["paths"]["/api/operations"]["get"]["parameters"]
    params = {p["name"]: p["schema"] for p in log}
    assert params["actor"] == {"type": "string", "enum": ["Ada", "Max", "Mia"]}  # replaced
    assert params["admin"] == {"type": "boolean"}
    assert "retry_with_parents" in document["components"]["schemas"]["Problem"]["properties"]


def test_the_row_budget_is_charged_before_anything_is_written(
    made: tuple[Flask, DeletionAPI],
) -> None:
    app, _ = made
    assert call(app, "u1", "DELETE", "/api/papers/1").status_code == 204
    over = call(app, "u1", "POST", "/api/papers/bulk-delete", json={"ids": [2, 3, 4]})
    assert over.status_code == 429 and over.mimetype == PROBLEM
    assert over.headers["Retry-After"] == "30" and over.json["retry_after"] == 30
    assert app.config["TEST_ROWS"] == [("u1", 1), ("u1", 3)]
    with app.app_context():
        assert db.session.scalars(select(Paper.id).order_by(Paper.id)).all() == [2, 3, 4, 5]
    within = call(app, "u1", "POST", "/api/papers/bulk-delete", json={"ids": [2, 3]})
    assert within.status_code == 200, within.text
    assert call(app, "u1", "GET", "/api/papers/9/deletion-preview").status_code == 404
    assert app.config["TEST_ROWS"][-1] == ("u1", 2)  # a 404 costs nothing


def test_the_log_and_the_trash_name_actors_filter_by_the_apps_rules_and_show_samples(
    made: tuple[Flask, DeletionAPI],
) -> None:
    app, _ = made
    folder = deleted(app, "u1", "/api/folders/1")
    paper = deleted(app, "u9", "/api/papers/5")
    trash = call(app, "u1", "GET", "/api/trash").json["items"]
    assert [(e["id"], e["actor"]) for e in trash] == [(paper, "Ada"), (folder, "Mia")]
    assert trash[1]["samples"] == {"Folder": ["Plans"], "Paper": ["Roof", "Walls", "Attic"]}
    assert trash[0]["samples"] == {"Paper": ["Shed"]}
    assert (trash[0]["restorable"], trash[1]["restorable"]) == (False, True)

    def logged(query: str) -> list[int]:
        response = call(app, "u1", "GET", f"/api/operations?{query}")
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json["items"]]

    assert logged("actor=Mia") == [folder]
    assert logged("actor=Ada") == [paper]
    assert logged("admin=true") == [paper] and logged("admin=false") == [folder]
    refused = call(app, "u1", "GET", "/api/operations?actor=u1")  # the recorded id: not a name
    assert refused.status_code == 422 and refused.json["errors"][0]["parameter"] == "actor"


def test_times_may_carry_an_offset(made: tuple[Flask, DeletionAPI]) -> None:
    app, _ = made
    op = deleted(app, "u1", "/api/papers/1")
    created = call(app, "u1", "GET", "/api/operations").json["items"][0]["created_at"]

    def logged(**window: str) -> list[int]:
        response = call(app, "u1", "GET", "/api/operations", query_string=window)
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json["items"]]

    assert logged(since=created) == [op] and logged(until=created) == []
    assert logged(until="2000-01-01T05:00+05:00") == []
    assert logged(since="0001-01-01T00:00+01:00", until="9999-12-31T23:00-05:00") == [op]
    for impossible in ("2025-02-29", "2024-04-31", "0000-01-01", "2025-01-01T10:00+24:00"):
        response = call(app, "u1", "GET", "/api/operations", query_string={"since": impossible})
        assert response.status_code == 422, impossible
    assert logged(since="2024-02-29") == [op]


def test_a_restore_names_the_parents_it_waits_for_and_brings_them_back_along(
    made: tuple[Flask, DeletionAPI],
) -> None:
    app, _ = made
    paper = deleted(app, "u1", "/api/papers/1")
    folder = deleted(app, "u1", "/api/folders/1")
    refused = call(app, "u1", "POST", f"/api/operations/{paper}/restore")
    assert refused.status_code == 409 and refused.json["code"] == "conflict"
    assert refused.json["conflicts"][0]["reason"] == "parent_in_trash"
    assert refused.json["retry_with_parents"] == [folder]

    body = {"with_parents": True}
    asked = {"X-Request-ID": "req-7"}
    restored = call(app, "u1", "POST", f"/api/operations/{paper}/restore", json=body, headers=asked)
    assert restored.status_code == 200, restored.text
    with app.app_context():  # both restores carry the request's id, as every operation does
        restores = select(Operation.request_id).where(Operation.kind == "restore")
        assert db.session.scalars(restores).all() == ["req-7", "req-7"]
    assert restored.json["ref_op"] == paper and restored.json["actor"] == "Mia"
    assert [p["ref_op"] for p in restored.json["parents"]] == [folder]
    alone = deleted(app, "u1", "/api/papers/2")
    again = call(app, "u1", "POST", f"/api/operations/{alone}/restore")
    assert again.status_code == 200 and again.json["parents"] == []


def test_with_parents_never_restores_a_deletion_the_caller_may_not(
    made: tuple[Flask, DeletionAPI],
) -> None:
    app, _ = made
    paper = deleted(app, "u1", "/api/papers/1")
    folder = deleted(app, "u9", "/api/folders/1")  # the admin's: not Mia's to restore
    body = {"with_parents": True}
    refused = call(app, "u1", "POST", f"/api/operations/{paper}/restore", json=body)
    assert refused.status_code == 409 and "retry_with_parents" not in refused.json
    with app.app_context():
        assert db.session.get(Folder, 1) is None and db.session.get(Paper, 1) is None
        restores = db.session.scalars(select(Operation).where(Operation.kind == "restore"))
        assert restores.all() == []
    admin = call(app, "u9", "POST", f"/api/operations/{paper}/restore", json=body)
    assert admin.status_code == 200 and [p["ref_op"] for p in admin.json["parents"]] == [folder]


def test_the_answer_goes_back_though_the_store_fails_after_the_work(
    made: tuple[Flask, DeletionAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, api = made
    with app.app_context():
        store = api.idempotency_store()

    def fail(*args: Any) -> None:
        raise OperationalError("UPDATE", {}, Exception("the store went away"))

    monkeypatch.setattr(type(store), "settle", fail)
    headers = {"Idempotency-Key": "k-1"}
    done = call(app, "u1", "POST", "/api/papers/bulk-delete", json={"ids": [1]}, headers=headers)
    assert done.status_code == 200, done.text  # not a 503 saying nothing was done
    with app.app_context():
        assert db.session.get(Paper, 1) is None


def test_a_row_deleted_while_its_rule_is_asked_is_404_not_403(
    made: tuple[Flask, DeletionAPI],
) -> None:
    """Twenty concurrent DELETEs of one row: the losers found it, then asked whether they may
    delete it after the winner's commit. That is "not here any more" (404), not a refusal."""
    app, _ = made
    with app.app_context():
        db.session.add(Folder(id=3, name="Locked"))
        db.session.get_one(Paper, 5).folder_id = 3
        db.session.commit()
    assert call(app, "u1", "DELETE", "/api/papers/5").status_code == 403  # the rule holds
    app.config["TEST_RACE"] = 1
    raced = call(app, "u1", "DELETE", "/api/papers/1")
    assert raced.status_code == 404 and raced.json["code"] == "not_found"
