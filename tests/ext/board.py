"""A small multi-user app (not Taskboard) serving the extension's HTML views, its JSON API, or
both: people own tasks, tasks hold notes, a locked task may be seen but not deleted, admins see
every operation and alone may purge. Callers authenticate with bearer tokens through
``Access.actor``. (The same rules on the tutorial's app, with sign-in: ``test_team.py``.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Uuid, and_, false, select, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.access import Access
from flask_tombstone.api import DeletionAPI
from flask_tombstone.views import DeletionViews, InvalidFilter


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Task(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    owner: Mapped[str] = mapped_column(String(20))
    locked: Mapped[bool] = mapped_column(default=False)


class Note(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(80))
    task_id: Mapped[int] = mapped_column(ForeignKey("api_task.id", ondelete="CASCADE"))


class Doc(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    """A model keyed by UUID: its URLs take the canonical, lower-case form only."""

    __tablename__ = "api_doc"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80))
    owner: Mapped[str] = mapped_column(String(20))


TOKENS = {"tok-mia": "mia", "tok-max": "max", "tok-ada": "ada"}
ADMINS = {"ada"}


def bearer() -> str | None:
    """The app's authentication: ``Authorization: Bearer <token>``, nothing else."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return TOKENS.get(token) if scheme == "Bearer" else None


def visible(actor: Any, model: type) -> Any:
    if model is Task or model is Doc:
        return model.owner == actor  # type: ignore[attr-defined]
    if model is Note:
        return Note.task_id.in_(select(Task.id).where(Task.owner == actor))
    return None


def deletable(actor: Any, model: type) -> Any:
    return Task.locked.is_(False) if model is Task else None


def operations(actor: Any) -> Any:
    return true() if actor in ADMINS else Operation.actor == actor


def purgeable(actor: Any) -> Any:
    return true() if actor in ADMINS else false()


def task_filter(args: Any) -> Any:
    """The listing's filter: ``q`` (in the title, at most 40 characters), ``locked`` (``0``/
    ``1``). A test may hold a request here (``TEST_GATE``: events set on entering, awaited
    before going on)."""
    gate = current_app.config.get("TEST_GATE")
    if gate is not None:
        entered, release = gate
        entered.set()
        release.wait(timeout=30)
    problems, criteria = [], []
    q = args.get("q", "")
    if len(q) > 40:
        problems.append("q: at most 40 characters")
    elif q:
        criteria.append(Task.title.contains(q, autoescape=True))
    locked = args.get("locked")
    if locked not in (None, "", "0", "1"):
        problems.append("locked: 0 or 1")
    elif locked:
        criteria.append(Task.locked.is_(locked == "1"))
    if problems:
        raise InvalidFilter(problems)
    return and_(true(), *criteria)


TASK_FIELDS = {
    "q": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[^\\u0000]*$"},
    "locked": {"type": "string", "enum": ["0", "1"]},
}


def rate_limit(endpoint: str, actor: Any) -> float | None:
    waits: dict[tuple[str, Any], float] = current_app.config.get("TEST_WAITS", {})
    return waits.get((endpoint, actor))


def create_app(url: str, *, api: bool = True, views: bool = False, **config: Any) -> Flask:
    """The app serving the API (``/api``), the HTML views, or both, under one set of rules."""
    app = Flask(__name__)
    app.config |= {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", **config}
    db.init_app(app)
    tombstone = Tombstone(app, db=db)
    access = Access(
        actor=bearer,
        login_required=True,
        visible=visible,
        deletable=deletable,
        operations=operations,
        purgeable=purgeable,
    )
    if views:
        pages = DeletionViews(app, tombstone, access=access)
        pages.register(Task, slug="tasks", filter=task_filter)
        pages.register(Note, slug="notes")
        pages.register(Doc, slug="docs")
    if api:
        deletion_api = DeletionAPI(
            app,
            tombstone,
            access=access,
            rate_limit=rate_limit,
            security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        )
        deletion_api.register(Task, slug="tasks", filter=task_filter, filter_fields=TASK_FIELDS)
        deletion_api.register(Note, slug="notes")
        deletion_api.register(Doc, slug="docs")
    return app


def seed(app: Flask) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        for owner in ("mia", "max"):
            for n, locked in ((1, False), (2, True)):
                task = Task(title=f"{owner} task {n}", owner=owner, locked=locked)
                db.session.add(task)
                db.session.flush()
                db.session.add_all(Note(body=f"note {i}", task_id=task.id) for i in range(3))
            db.session.add(Doc(name=f"{owner} doc", owner=owner))
        db.session.commit()


def board(url: str, *, api: bool = True, views: bool = False, **config: Any) -> Iterator[Flask]:
    app = create_app(url, api=api, views=views, **config)
    seed(app)
    yield app  # no app context held: each request gets its own, as in production
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def credentials(name: str | None) -> dict[str, str]:
    """The ``Authorization`` header of one person (none for nobody)."""
    token = {v: k for k, v in TOKENS.items()}.get(name or "")
    return {"Authorization": f"Bearer {token}"} if token else {}


class Caller:
    """A client sending one person's bearer token (or none)."""

    def __init__(self, app: Flask, name: str | None) -> None:
        self.client: FlaskClient = app.test_client()
        self.headers = credentials(name)

    def open(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = self.headers | kwargs.pop("headers", {})
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.open("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.open("DELETE", url, **kwargs)


def task(app: Flask, title: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(Task.id).where(Task.title == title)))


def doc(app: Flask, owner: str) -> uuid.UUID:
    with app.app_context():
        found: uuid.UUID = db.session.scalar(select(Doc.id).where(Doc.owner == owner))
        return found


def live(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Task.title)))


def snapshot(app: Flask) -> list[Any]:
    """Every row's id and deletion stamp and every operation: equal before and after a
    refused request means it changed nothing."""
    with app.app_context():
        rows: list[Any] = []
        for model in (Task, Note, Doc):
            every = select(model.id, model.deleted_at).execution_options(include_deleted=True)
            rows += [(model.__name__, *r) for r in db.session.execute(every)]
        rows += [tuple(r) for r in db.session.execute(select(Operation.id, Operation.kind))]
        return sorted(rows, key=repr)
