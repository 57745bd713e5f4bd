"""Screenshots of the views on the tutorial app at desktop width, for ``docs/views.md``.

Written to ``docs/screenshots/views-*.png`` when ``TOMBSTONE_SCREENSHOTS=1`` is set, otherwise
to a temporary directory (``make test`` walks through the pages without touching the committed
files); refresh them with::

    TOMBSTONE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser_views -k screenshots
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, Tutorial
from .support import CONFIRM_REASON, add_item, confirm_page, notice, ready, table_rows

DOCS = ROOT / "docs"
SHOTS = {  # file name: what it shows (the alt text in docs/views.md)
    "views-confirm.png": "the confirmation page of an item delete, with a reason field",
    "views-undo.png": "the list after the delete: the notice with Undo",
    "views-trash.png": "the trash: each deletion by name, when it goes for good, Restore",
    "views-log.png": "the deletion log: names, reasons, Undone marked, Undo where allowed",
}
MAX_BYTES = 300_000


def shoot(page: Page, directory: Path, name: str) -> None:
    assert name in SHOTS, name
    page.wait_for_load_state("load")
    page.screenshot(path=directory / name, full_page=True, animations="disabled", caret="hide")


def delete(page: Page, name: str, reason: str = "") -> None:
    confirm_page(page, name)
    if reason:
        page.get_by_label(CONFIRM_REASON).fill(reason)
    page.get_by_role("button", name="Delete item", exact=True).click()
    notice(page, f"Deleted item “{name}”.")


@pytest.mark.browser
def test_screenshots_of_the_views(
    new_page: Callable[..., Page], app_data: Tutorial, screenshot_dir: Path
) -> None:
    page = new_page(viewport={"width": 1280, "height": 480})  # desktop width, little blank
    page.goto("/")
    for name in ("Milk", "Bread", "Eggs", "Coffee", "Apples"):
        add_item(page, name)
    delete(page, "Eggs", "used them all")
    page.get_by_role("button", name="Undo", exact=True).click()
    notice(page, "Restored item “Eggs”.")
    delete(page, "Coffee", "switched to tea")
    delete(page, "Apples")

    page.goto("/")
    confirm_page(page, "Milk")
    page.get_by_label(CONFIRM_REASON).fill("ran out")
    shoot(page, screenshot_dir, "views-confirm.png")
    page.get_by_role("button", name="Delete item", exact=True).click()
    undo = notice(page, "Deleted item “Milk”.")
    expect(undo.get_by_role("button", name="Undo")).to_be_focused()
    shoot(page, screenshot_dir, "views-undo.png")

    page.goto("/trash")
    ready(page, table_rows(page, "Item “Milk”"))
    expect(page.locator("table.tombstone-table tbody tr")).to_have_count(3)
    shoot(page, screenshot_dir, "views-trash.png")
    page.goto("/operations")
    ready(page, table_rows(page, "Moved to the trash: item “Eggs”"))
    expect(table_rows(page, "Moved to the trash: item “Eggs”")).to_contain_text("Undone")
    shoot(page, screenshot_dir, "views-log.png")

    for name in SHOTS:
        assert (screenshot_dir / name).stat().st_size < MAX_BYTES, name


def test_the_screenshots_are_committed_small_and_linked() -> None:
    text = (DOCS / "views.md").read_text(encoding="utf-8")
    for name, alt in SHOTS.items():
        path = DOCS / "screenshots" / name
        assert path.is_file(), f"{name} is missing: see this module's docstring"
        assert path.stat().st_size < MAX_BYTES, name
        assert f"![{alt[0].upper() + alt[1:]}](screenshots/{name})" in text, name
