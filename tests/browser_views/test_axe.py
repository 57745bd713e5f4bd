"""axe-core inside the views' pages on the tutorial app: no serious or critical violation on
any page or state, at desktop and phone widths.

axe runs with JavaScript on (it is a script); with JavaScript off the pages are the same
server-rendered HTML, without htmx's enhancement. Moderate and minor findings are printed
(``-s``) but do not fail: the tutorial's own list page (``examples/tutorial/templates``, the
seeds' template plus two lines) has no ``<main>`` landmark, which axe counts as moderate.
WCAG 2.2's target size (24 px, a serious rule axe leaves off by default) is switched on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import DESKTOP, PHONE, Tutorial
from .support import (
    CONFIRM_REASON,
    add_item,
    axe,
    confirm_page,
    notice,
    ready,
    serious,
    table_rows,
)

pytestmark = pytest.mark.browser


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'][:4])}"
        for v in violations
    )


def before_any_deletion(page: Page, check: Callable[[str], None]) -> None:
    page.goto("/trash")
    ready(page, page.get_by_text("The trash is empty."))
    check("trash, empty")
    page.goto("/operations")
    ready(page, page.get_by_text("Nothing has been deleted yet."))
    check("log, empty")
    page.goto("/trash?since=yesterday")
    ready(page, page.get_by_role("alert"))
    check("trash, invalid filter")
    page.goto("/")
    ready(page, page.get_by_label("New item"))
    check("list, empty")


def through_delete_and_undo(page: Page, check: Callable[[str], None]) -> None:
    add_item(page, "Milk")
    add_item(page, "Bread")
    check("list")
    confirm_page(page, "Milk")
    check("confirmation, in the dialog")
    reason = page.get_by_label(CONFIRM_REASON)
    reason.evaluate("field => field.removeAttribute('maxlength')")
    reason.fill("x" * 501)
    page.get_by_role("button", name="Delete item", exact=True).click()
    ready(page, page.get_by_role("alert"))
    check("confirmation, refused (422) in the dialog")
    page.get_by_label(CONFIRM_REASON).fill("ran out")
    page.get_by_role("button", name="Delete item", exact=True).click()
    notice(page, "Deleted item “Milk”.")
    check("list, notice with Undo (after the dialog navigated)")
    page.get_by_role("button", name="Undo", exact=True).click()
    notice(page, "Restored item “Milk”.")
    check("list, restored notice")


def trash_and_log(page: Page, check: Callable[[str], None]) -> None:
    confirm_page(page, "Bread")
    page.get_by_role("button", name="Delete item", exact=True).click()
    notice(page, "Deleted item “Bread”.")
    page.goto("/trash")
    ready(page, table_rows(page, "Item “Bread”"))
    check("trash")
    page.goto("/operations")
    ready(page, table_rows(page, "Moved to the trash: item “Milk”"))
    check("log, with Undo and Undone")
    page.get_by_role("button", name="Undo: item “Bread”").click()
    notice(page, "Restored item “Bread”.")
    expect(table_rows(page, "Moved to the trash: item “Bread”")).to_contain_text("Undone")
    check("log, after Undo")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_or_critical_violations(
    new_page: Callable[..., Page],
    app_data: Tutorial,
    axe_script: Path,
    viewport: dict[str, int],
) -> None:
    page = new_page(viewport=viewport)
    found: dict[str, list[dict[str, Any]]] = {}

    def check(state: str) -> None:
        page.wait_for_load_state("load")
        found[state] = axe(page, axe_script)

    before_any_deletion(page, check)
    through_delete_and_undo(page, check)
    trash_and_log(page, check)
    assert len(found) == 12
    assert app_data.live() == ["Bread", "Milk"]

    for state, violations in found.items():
        if violations:
            print(f"axe, {state} ({viewport['width']}px):\n{describe(violations)}")
    bad = {state: serious(v) for state, v in found.items() if serious(v)}
    assert not bad, "serious or critical violations:\n" + "\n".join(
        f"{state}:\n{describe(v)}" for state, v in bad.items()
    )
