"""Helpers for the browser tests: the running server, a reader of the database, logging in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from flask_tombstone import Operation
from taskboard import demo
from taskboard.extensions import db
from taskboard.models import Comment, Item, Project, Tag, User

PASSWORDS = {account.username: account.password for account in demo.ACCOUNTS}


@dataclass(frozen=True)
class Server:
    app: Flask
    url: str  # http://127.0.0.1:<port>


@dataclass(frozen=True)
class Op:
    """An operation row, read back (detached from any session)."""

    id: int
    kind: str
    status: str
    root_model: str
    counts: dict[str, int]
    actor: str | None
    reason: str | None
    ref_op: int | None


class Rows:
    """Reads the database the server writes, each call in a fresh session (no stale rows).

    Rows are found by name (the demo data's names are unique), trashed ones included.
    """

    NAME: ClassVar[dict[str, Any]] = {
        "User": User.username,
        "Project": Project.name,
        "Item": Item.name,
        "Tag": Tag.name,
        "Comment": Comment.body,
    }

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _all(self, query: Any) -> list[Any]:
        with self.app.app_context():
            rows = list(db.session.scalars(query.execution_options(include_deleted=True)))
            db.session.expunge_all()
            return rows

    def state(self, model: str, name: str) -> str:
        """``"live"``, ``"trashed"`` or ``"gone"`` (no such row at all)."""
        column = self.NAME[model]
        rows = self._all(select(column.class_).where(column == name))
        assert len(rows) <= 1, f"several {model} rows are named {name!r}"
        if not rows:
            return "gone"
        return "trashed" if rows[0].deleted_at is not None else "live"

    def id_of(self, model: str, name: str) -> int:
        column = self.NAME[model]
        (row,) = self._all(select(column.class_).where(column == name))
        ident: int = row.id
        return ident

    def live_items(self) -> set[str]:
        return {i.name for i in self._all(select(Item)) if i.deleted_at is None}

    def project_rows(self, project: str) -> dict[str, dict[str, str]]:
        """Everything of ``project``: ``{model: {name: "live" | "trashed"}}``."""

        def states(rows: list[Any], attribute: str) -> dict[str, str]:
            return {
                getattr(r, attribute): "trashed" if r.deleted_at is not None else "live"
                for r in rows
            }

        projects = self._all(select(Project).where(Project.name == project))
        ids = [p.id for p in projects]
        items = self._all(select(Item).where(Item.project_id.in_(ids)))
        comments = self._all(select(Comment).where(Comment.item_id.in_([i.id for i in items])))
        tags = self._all(select(Tag).where(Tag.project_id.in_(ids)))
        return {
            "Project": states(projects, "name"),
            "Item": states(items, "name"),
            "Comment": states(comments, "body"),
            "Tag": states(tags, "name"),
        }

    def operations(self) -> list[Op]:
        """Every operation, oldest first."""
        return [
            Op(
                id=o.id,
                kind=o.kind,
                status=o.status,
                root_model=o.root_model,
                counts=dict(o.counts),
                actor=o.actor,
                reason=o.reason,
                ref_op=o.ref_op,
            )
            for o in self._all(select(Operation).order_by(Operation.id))
        ]


def only(states: dict[str, str], value: str) -> bool:
    return bool(states) and set(states.values()) == {value}


def log_in(page: Page, username: str, password: str | None = None) -> None:
    """Log in through the login form, as a person would, and land on the projects list."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()
    expect(page.locator(".account")).to_contain_text(username)


def preview_counts(scope: Page | Locator) -> dict[str, int]:
    """What goes along, from a confirmation page's (or dialog's) table: ``{"Comments": 2}``
    (the row itself, or the selection, is in the heading)."""
    rows = scope.locator("table.tombstone-table tbody tr")
    expect(rows.first).to_be_visible()
    return {
        row.locator("th").inner_text().strip(): int(
            row.locator("td.num").inner_text().replace(",", "")
        )
        for row in rows.all()
    }


def ready(page: Page, anchor: Locator) -> None:
    """Wait until ``anchor`` (something only the new page has) is visible and that page has
    loaded, so that its deferred scripts have run and htmx has enhanced it.

    Playwright's ``click()`` returns once a navigation has started: an ``hx-`` link clicked
    before htmx is ready is followed as a plain link (the fallback works, but it is not what
    the test is about).
    """
    expect(anchor).to_be_visible()
    page.wait_for_load_state("load")


def toast(page: Page, text: str) -> Locator:
    """The notice (the extension's, with Undo after a deletion) containing ``text``, once it is
    visible and its page loaded (its Undo button is a boosted form)."""
    found = page.locator(".tombstone-notice").filter(has_text=text)
    ready(page, found)
    return found


def error_toast(page: Page) -> Locator:
    """Taskboard's toast of an htmx request's error."""
    return page.locator("#toasts .toast-error")


def row_of(page: Page, name: str) -> Locator:
    """The list row of the item or project called ``name``."""
    return page.locator("table.list tbody tr").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )
