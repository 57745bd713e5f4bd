"""Helpers for the Taskboard tests: configuration, a world of two teams, a browser-like client,
and readers for the database and pages. Fixtures using them are in ``conftest.py``."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from taskboard.extensions import db
from taskboard.models import Comment, Item, Project, Role, Status, Tag, User

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HIDDEN = re.compile(
    r'<input (?:id="[^"]*" )?(?:type="hidden" )?name="([^"]+)" (?:type="hidden" )?value="([^"]*)">'
)


def config_for(url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "TASKBOARD_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        "TASKBOARD_SECURE_COOKIES": False,
        "TASKBOARD_PER_PAGE": 5,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Sealed before commit() returns, not by a thread: tests see what they did, sealed.
        "TOMBSTONE_AUTO_SEAL": "inline",
    } | overrides


def empty_tables(url: str) -> None:
    """Delete every row, children first (the schema stays: it is migrated once per run)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


# -- the world -------------------------------------------------------------------------------
@dataclass
class World:
    """Two teams. Team A: project Alpha owned by mia, max a member. Team O: project Omega
    owned by otto. ada is an admin on no team. Ids only: tests load rows themselves."""

    ada: int
    mia: int
    max: int
    otto: int
    alpha: int
    omega: int
    alpha_item: int  # owned by mia, assigned to max, tagged "bug"
    max_item: int  # in Alpha, owned by max
    alpha_comment: int  # by max, on alpha_item
    alpha_tag: int
    omega_item: int
    omega_comment: int
    omega_tag: int


def make_user(name: str, role: str = Role.MEMBER.value) -> User:
    return User(
        username=name,
        email=f"{name}@example.com",
        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
        role=role,
    )


def build_world() -> World:
    ada = make_user("ada", Role.ADMIN.value)
    mia, max_, otto = make_user("mia"), make_user("max"), make_user("otto")
    alpha = Project(name="Alpha", owner=mia, members=[max_])
    omega = Project(name="Omega", owner=otto)
    alpha_tag = Tag(name="bug", project=alpha)
    omega_tag = Tag(name="bug", project=omega)
    alpha_item = Item(
        name="Write spec",
        project=alpha,
        owner=mia,
        assignee=max_,
        status=Status.OPEN.value,
        tags=[alpha_tag],
    )
    max_item = Item(name="Fix login", project=alpha, owner=max_, status=Status.DONE.value)
    omega_item = Item(name="Omega plan", project=omega, owner=otto, tags=[omega_tag])
    alpha_comment = Comment(body="Looks good", item=alpha_item, author=max_)
    omega_comment = Comment(body="Secret note", item=omega_item, author=otto)
    db.session.add_all([ada, mia, max_, otto, alpha, omega, alpha_comment, omega_comment, max_item])
    db.session.commit()
    return World(
        ada=ada.id,
        mia=mia.id,
        max=max_.id,
        otto=otto.id,
        alpha=alpha.id,
        omega=omega.id,
        alpha_item=alpha_item.id,
        max_item=max_item.id,
        alpha_comment=alpha_comment.id,
        alpha_tag=alpha_tag.id,
        omega_item=omega_item.id,
        omega_comment=omega_comment.id,
        omega_tag=omega_tag.id,
    )


# -- acting as someone -----------------------------------------------------------------------
class Browser:
    """A test client acting like a person: logs in, and posts forms with their CSRF token."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self._token: str | None = None

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": self.token()},
        )
        assert response.status_code == 303, response.text
        self._token = None
        return response

    @property
    def logged_in(self) -> bool:
        with self.client.session_transaction() as session:
            return "_user_id" in session

    def token(self) -> str:
        """A CSRF token, read from a page the way a browser's form carries it."""
        if self._token is None:
            page = self.client.get("/settings" if self.logged_in else "/login")
            match = CSRF.search(page.text)
            assert match, page.text
            self._token = match.group(1)
        return self._token

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        csrf: bool = True,
        htmx: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        form = dict(data or {})
        headers = dict(kwargs.pop("headers", {}))
        if csrf and htmx:
            headers["X-CSRFToken"] = self.token()  # htmx sends it in a header
        elif csrf:
            form.setdefault("csrf_token", self.token())
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=form, headers=headers, **kwargs)

    def confirm(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """Open a confirmation page and post its form as shown (confirm token included)."""
        page = self.get(url)
        assert page.status_code == 200, page.text
        form: dict[str, Any] = {}
        for name, value in HIDDEN.findall(page.text):
            if name in ("csrf_token", "next"):
                continue
            if name == "ids":
                form.setdefault("ids", []).append(value)
            else:
                form[name] = value
        assert "token" in form, page.text
        form |= data or {}
        return self.post(url.split("?", maxsplit=1)[0], form, **kwargs)


# -- reading the database and pages ----------------------------------------------------------
def live(app: Flask, model: Any, ident: int) -> Any:
    """The row if it is live (the ORM hides trashed rows), else ``None``."""
    with app.app_context():
        return db.session.scalars(select(model).where(model.id == ident)).first()


def raw(app: Flask, model: Any, ident: int) -> Any:
    """The row whether trashed or not (``None`` only if physically gone)."""
    with app.app_context():
        return db.session.scalars(
            select(model).where(model.id == ident).execution_options(include_deleted=True)
        ).first()


def text_of(response: TestResponse) -> str:
    """A page's text without tags, whitespace collapsed, entities decoded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def undo_op(response: TestResponse) -> int | None:
    """The operation an Undo button on this page would restore."""
    match = re.search(r'action="/operations/(\d+)/undo"', response.text)
    return int(match.group(1)) if match else None
