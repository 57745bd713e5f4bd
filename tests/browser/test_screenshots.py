"""Screenshots of the main pages, for ``docs/taskboard.md``.

The browser test walks through the app as alice (the demo admin) and photographs each page.
They are written to ``docs/screenshots/`` when ``TOMBSTONE_SCREENSHOTS=1`` is set, otherwise
to a temporary directory (so that ``make test`` exercises the walk without touching the
committed files); refresh them with::

    TOMBSTONE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser -k screenshots
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import Rows, log_in, preview_counts, ready, row_of, toast

DOCS = Path(__file__).parents[2] / "docs"
SHOTS = {  # file name: what it shows (the alt text in docs/taskboard.md)
    "login.png": "the login page",
    "projects.png": "the projects list",
    "project.png": "a project page: its items, filters, bulk selection and team",
    "items.png": "the item list across projects",
    "confirm-delete.png": "the confirmation page of a project delete, with counts per kind",
    "delete-dialog.png": "an item's confirmation in a dialog over the list",
    "undo-toast.png": "the list after the delete, fresh, with the Undo notice",
    "bulk-delete.png": "a bulk delete preview of the selected items",
    "trash.png": "the trash: each deletion with what it holds, Restore and Purge",
    "operations.png": "the operations log",
    "mobile-project.png": "a project page at phone width",
}
MAX_BYTES = 300_000


def shoot(page: Page, directory: Path, name: str, *, full_page: bool = True) -> None:
    assert name in SHOTS, name
    page.wait_for_load_state("load")
    page.screenshot(path=directory / name, full_page=full_page, animations="disabled", caret="hide")


@pytest.mark.browser
def test_screenshots_of_the_pages(
    new_page: Callable[..., Page], demo_data: Rows, screenshot_dir: Path
) -> None:
    page = new_page()
    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shoot(page, screenshot_dir, "login.png", full_page=False)

    log_in(page, "alice")
    page.goto("/projects")  # without the "Logged in" notice
    expect(row_of(page, "Website relaunch")).to_be_visible()
    shoot(page, screenshot_dir, "projects.png", full_page=False)

    page.get_by_role("link", name="Website relaunch", exact=True).click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    shoot(page, screenshot_dir, "project.png")

    page.get_by_role("link", name="Items").click()
    expect(page.locator("table.list tbody tr")).to_have_count(11)
    shoot(page, screenshot_dir, "items.png")

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, "bob")
    phone.goto("/projects")
    phone.get_by_role("link", name="Mobile app", exact=True).click()
    expect(phone.get_by_role("heading", name="Mobile app")).to_be_visible()
    shoot(phone, screenshot_dir, "mobile-project.png")
    assert demo_data.operations() == []


@pytest.mark.browser
def test_screenshots_of_the_deletion_experience(
    page: Page, demo_data: Rows, screenshot_dir: Path
) -> None:
    log_in(page, "alice")
    project = demo_data.id_of("Project", "Office move")
    page.goto(f"/projects/{project}/delete?next=/projects")  # the page itself, not the dialog
    assert preview_counts(page) == {"Comments": 2, "Items": 3, "Tag": 1}
    page.get_by_label("Why (optional, kept in the log)").fill(
        "The move is done; its board is archived."
    )
    shoot(page, screenshot_dir, "confirm-delete.png", full_page=False)
    page.get_by_role("button", name="Delete project", exact=True).click()
    toast(page, "Deleted project “Office move”")

    page.get_by_role("link", name="Items").click()
    ready(page, page.get_by_role("heading", name="Items", level=1))
    row_of(page, "New landing page").get_by_role("link", name="Delete New landing page").click()
    dialog = page.get_by_role("dialog")
    assert preview_counts(dialog) == {"Comments": 2}
    shoot(page, screenshot_dir, "delete-dialog.png", full_page=False)
    dialog.get_by_role("button", name="Delete item", exact=True).click()
    toast(page, "Deleted item “New landing page” with 2 comments.")
    expect(row_of(page, "New landing page")).to_have_count(0)
    shoot(page, screenshot_dir, "undo-toast.png", full_page=False)

    page.goto("/items?status=done")
    ready(page, page.get_by_role("heading", name="Items", level=1))
    for name in ("Pick a new font", "App store screenshots"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Delete selected…").click()
    assert preview_counts(page) == {"Comment": 1}
    page.get_by_label("Why (optional, kept in the log)").fill("Done long ago")
    shoot(page, screenshot_dir, "bulk-delete.png", full_page=False)
    page.get_by_role("button", name="Delete 2 items", exact=True).click()
    toast(page, "Deleted 2 items and 1 comment.").get_by_role("button", name="Undo").click()
    expect(page.locator(".tombstone-notices")).to_contain_text("Restored 2 items")

    page.get_by_role("link", name="Trash").click()
    expect(page.locator("table.tombstone-table tbody tr")).to_have_count(2)
    shoot(page, screenshot_dir, "trash.png")

    page.get_by_role("link", name="Log").click()
    expect(page.locator("table.tombstone-table tbody tr")).to_have_count(4)
    shoot(page, screenshot_dir, "operations.png", full_page=False)
    kinds = [op.kind for op in demo_data.operations()]
    assert kinds == ["delete", "delete", "delete", "restore"]


def test_committed_screenshots_are_there_and_linked() -> None:
    """Each screenshot is committed, small, a PNG, and shown in ``docs/taskboard.md``."""
    # views-*.png are the extension's views (docs/views.md, tests/browser_views).
    committed = {p.name for p in (DOCS / "screenshots").glob("*.png")} - {
        p.name for p in (DOCS / "screenshots").glob("views-*.png")
    }
    assert committed == set(SHOTS)
    guide = (DOCS / "taskboard.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(screenshots/([\w.-]+\.png)\)", guide))
    assert linked == set(SHOTS)
    for name in SHOTS:
        data = (DOCS / "screenshots" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert len(data) < MAX_BYTES, name
