"""axe-core inside Taskboard's pages: no serious or critical violation on any page or state,
as an admin (alice) and as a member (bob), at desktop and phone widths.

The same check as ``tests/browser_views/test_axe.py`` on the tutorial app (axe-core injected
from ``node_modules``, WCAG 2.2's target size switched on), here on Taskboard's own pages and
on the extension's deletion pages drawn in Taskboard's layout. Moderate and minor findings
are printed (``-s``) but do not fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser_views.support import axe, serious

from .conftest import DESKTOP
from .support import Rows, log_in, ready, row_of, toast

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
REASON = "Why (optional, kept in the log)"

# (who, a project they see, an item in it they may delete, an item they may not delete)
PEOPLE = {
    "admin": ("alice", "Website relaunch", "Set up redirects", None),
    "member": ("bob", "Mobile app", "Dark mode", "Migrate blog posts"),
}


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE} (`make browser` runs npm)")
    return AXE


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'][:4])}"
        for v in violations
    )


def browse(page: Page, demo_data: Rows, who: str, check: Callable[[str], None]) -> None:
    username, project, item, _ = PEOPLE[who]
    log_in(page, username)
    check("projects list")

    page.get_by_role("link", name=project, exact=True).click()
    ready(page, page.get_by_role("heading", name=project, level=1))
    check("project page")

    page.goto("/items")
    ready(page, page.get_by_role("heading", name="Items", level=1))
    check("items list")
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=open"))
    page.wait_for_load_state("load")
    check("items list, filtered")

    page.goto(f"/items/{demo_data.id_of('Item', item)}")
    ready(page, page.get_by_role("heading", name=item, level=1))
    check("item page")


def confirm(page: Page, demo_data: Rows, who: str, check: Callable[[str], None]) -> None:
    _, _, item, forbidden = PEOPLE[who]
    page.goto("/items")
    ready(page, page.get_by_role("heading", name="Items", level=1))
    row_of(page, item).get_by_role("link", name=f"Delete {item}").click()
    dialog = page.get_by_role("dialog")
    ready(page, dialog.get_by_role("button", name="Delete item", exact=True))
    check("confirmation, in the dialog")
    reason = dialog.get_by_label(REASON)
    reason.evaluate("field => field.removeAttribute('maxlength')")
    reason.fill("x" * 501)
    dialog.get_by_role("button", name="Delete item", exact=True).click()
    ready(page, dialog.get_by_role("alert"))
    check("confirmation, refused (422) in the dialog")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()

    page.goto(f"/items/{demo_data.id_of('Item', item)}/delete")
    ready(page, page.get_by_role("button", name="Delete item", exact=True))
    check("confirmation, as a page")
    if forbidden is not None:
        page.goto(f"/items/{demo_data.id_of('Item', forbidden)}/delete")
        page.wait_for_load_state("load")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Delete item", exact=True)).to_have_count(0)
        check("confirmation, refused (not theirs)")


def after_a_deletion(page: Page, who: str, check: Callable[[str], None]) -> None:
    item = PEOPLE[who][2]
    page.goto("/items")
    ready(page, page.get_by_role("heading", name="Items", level=1))
    row_of(page, item).get_by_role("link", name=f"Delete {item}").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Delete item", exact=True).click()
    toast(page, f"Deleted item “{item}”")
    check("items list, notice with Undo")

    page.goto("/items")
    ready(page, page.get_by_role("heading", name="Items", level=1))
    page.get_by_label("Select Crash on login (Android 14)").check()
    page.get_by_role("button", name="Delete selected…").click()
    ready(page, page.get_by_role("heading", name="Delete 1 item?", level=1))
    check("bulk delete page")
    forbidden = PEOPLE[who][3]
    if forbidden is not None:  # a selection with a row they may not delete: the offer
        page.get_by_role("link", name="Cancel").click()
        ready(page, page.get_by_role("heading", name="Items", level=1))
        page.get_by_label("Select Crash on login (Android 14)").check()
        page.get_by_label(f"Select {forbidden}").check()
        page.get_by_role("button", name="Delete selected…").click()
        ready(page, page.get_by_role("link", name="Delete only the 1 item you may"))
        check("bulk delete page, partly refused")

    page.goto("/trash")
    ready(page, page.get_by_role("heading", level=1))
    check("trash")
    page.goto("/operations")
    ready(page, page.get_by_role("heading", level=1))
    check("operations log")
    page.goto("/settings")
    ready(page, page.get_by_role("heading", level=1))
    check("settings")


@pytest.mark.parametrize("who", ["admin", "member"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_or_critical_violations(
    new_page: Callable[..., Page],
    demo_data: Rows,
    axe_script: Path,
    viewport: dict[str, int],
    who: str,
) -> None:
    # Taskboard's Content-Security-Policy (script-src 'self') refuses the injected axe-core.
    page = new_page(viewport=viewport, bypass_csp=True)
    found: dict[str, list[dict[str, Any]]] = {}

    def check(state: str) -> None:
        page.wait_for_load_state("load")
        found[state] = axe(page, axe_script)

    browse(page, demo_data, who, check)
    confirm(page, demo_data, who, check)
    after_a_deletion(page, who, check)
    assert len(found) == (15 if who == "member" else 13)

    for state, violations in found.items():
        if violations:
            print(f"axe, {who}, {state} ({viewport['width']}px):\n{describe(violations)}")
    bad = {state: serious(v) for state, v in found.items() if serious(v)}
    assert not bad, "serious or critical violations:\n" + "\n".join(
        f"{state}:\n{describe(v)}" for state, v in bad.items()
    )
