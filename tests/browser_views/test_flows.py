"""The tutorial app (the seeds' Item app made safe by ``DeletionViews``) in a real Chromium:
delete with confirmation, Undo, the trash and the log, with JavaScript on (htmx boosts the
forms) and off (plain links and form posts), at desktop and phone widths; one delete → undo
by keyboard alone; a double click on the confirm button."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from .conftest import DESKTOP, PHONE, Tutorial
from .support import (
    CONFIRM_REASON,
    add_item,
    confirm_page,
    focused,
    horizontal_overflow,
    notice,
    ready,
    tab_to,
    table_rows,
)

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


@JS
@WIDTHS
def test_delete_undo_trash_restore_and_log(
    new_page: Callable[..., Page], app_data: Tutorial, js: bool, viewport: dict[str, int]
) -> None:
    page = new_page(js=js, viewport=viewport)
    page.goto("/")
    add_item(page, "Milk")
    add_item(page, "Bread")

    # The row's Delete button asks first (with JavaScript, in a dialog over the list); asking
    # deletes nothing.
    confirm_page(page, "Milk")
    if js:
        expect(page.get_by_role("dialog")).to_be_visible()
        expect(page).to_have_url(f"{app_data.url}/")
    expect(page.get_by_text("This moves it to the trash. You can undo it.")).to_be_visible()
    assert app_data.live() == ["Bread", "Milk"]
    page.get_by_label(CONFIRM_REASON).fill("ran out")
    page.get_by_role("button", name="Delete item", exact=True).click()

    # Back on the list, with the notice and its Undo.
    deleted = notice(page, "Deleted item “Milk”.")
    expect(page).to_have_url(f"{app_data.url}/")
    expect(page.get_by_role("link", name="Delete Milk")).to_have_count(0)
    assert app_data.items() == {"Milk": "trashed", "Bread": "live"}
    deleted.get_by_role("button", name="Undo", exact=True).click()
    notice(page, "Restored item “Milk”.")
    expect(page.get_by_role("link", name="Delete Milk", exact=True)).to_be_visible()
    assert app_data.live() == ["Bread", "Milk"]

    # The trash lists a deletion by name, with Restore.
    confirm_page(page, "Bread")
    page.get_by_role("button", name="Delete item", exact=True).click()
    notice(page, "Deleted item “Bread”.")
    page.goto("/trash")
    bread = table_rows(page, "Item “Bread”")
    ready(page, bread)
    expect(table_rows(page, "“Milk”")).to_have_count(0)  # undone: not in the trash
    expect(bread).to_contain_text("Removed for good after")
    assert horizontal_overflow(page) == 0, "the trash scrolls sideways"
    bread.get_by_role("button", name="Restore item “Bread”", exact=True).click()
    notice(page, "Restored item “Bread”.")
    expect(page.get_by_text("The trash is empty.")).to_be_visible()
    assert app_data.live() == ["Bread", "Milk"]

    # The log says what happened by name, and marks what was undone.
    page.goto("/operations")
    milk = table_rows(page, "Moved to the trash: item “Milk”")
    ready(page, milk)
    expect(milk).to_contain_text("ran out")
    expect(milk).to_contain_text("Undone")
    expect(table_rows(page, "Moved to the trash: item “Bread”")).to_contain_text("Undone")
    expect(table_rows(page, "Restored: item “Milk”")).to_have_count(1)
    expect(table_rows(page, "Restored: item “Bread”")).to_have_count(1)
    words = page.locator("table.tombstone-table tbody").inner_text()
    assert not re.search(r"#\s*\d", words), f"the log shows ids: {words}"
    assert horizontal_overflow(page) == 0, "the log scrolls sideways"
    assert [(op.kind, op.status) for op in app_data.operations()] == [
        ("delete", "done"),
        ("restore", "done"),
        ("delete", "done"),
        ("restore", "done"),
    ]


@JS
def test_delete_and_undo_by_keyboard_alone(
    new_page: Callable[..., Page], app_data: Tutorial, js: bool
) -> None:
    page = new_page(js=js)
    page.goto("/")
    page.wait_for_load_state("load")
    for name in ("Milk", "Bread"):  # Tab to the field, type, Enter submits
        tab_to(page, "input: New item", limit=1)
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        ready(page, page.get_by_role("link", name=f"Delete {name}", exact=True))
    assert app_data.live() == ["Bread", "Milk"]

    # The list: field, Add, then the first row's Delete.
    assert tab_to(page, "a: Delete Milk", limit=3) <= 3
    page.keyboard.press("Enter")
    ready(page, page.get_by_role("heading", name="Delete item “Milk”?", level=1))

    # The confirmation page: the reason, then the button.
    assert tab_to(page, "button: Delete item", limit=2) <= 2
    page.keyboard.press("Space")
    undo_notice = notice(page, "Deleted item “Milk”.")
    assert app_data.items() == {"Milk": "trashed", "Bread": "live"}

    # Undo has the focus (autofocus), or is a few Tabs away at most.
    presses = tab_to(page, "button: Undo", limit=3)
    assert presses == 0, f"Undo took {presses} Tabs to reach: autofocus did not take"
    page.keyboard.press("Enter")
    notice(page, "Restored item “Milk”.")
    expect(undo_notice.get_by_role("button", name="Undo")).to_have_count(0)
    assert app_data.live() == ["Bread", "Milk"]
    assert [op.kind for op in app_data.operations()] == ["delete", "restore"]
    assert focused(page) != "button: Undo"


def test_a_double_click_on_confirm_deletes_once(
    new_page: Callable[..., Page], app_data: Tutorial
) -> None:
    page = new_page(js=True)
    page.goto("/")
    add_item(page, "Milk")
    confirm_page(page, "Milk")
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.evaluate(  # whether the button is disabled while each request is in flight (kept
        # in sessionStorage: the dialog's done deletion navigates, which resets `window`)
        """() => document.addEventListener("htmx:beforeSend", event => {
            const button = event.detail.elt.querySelector("button[type=submit]");
            const seen = JSON.parse(sessionStorage.getItem("disabled") || "[]");
            sessionStorage.setItem("disabled", JSON.stringify([...seen, button.disabled]));
        })"""
    )

    page.get_by_role("button", name="Delete item", exact=True).dblclick()
    notice(page, "Deleted item “Milk”.")
    page.wait_for_load_state("networkidle")  # a queued second request would have gone now

    assert [urlsplit(r.url).path for r in posts] == [f"/item/{app_data.id_of('Milk')}/delete"]
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('disabled'))") == [True]
    assert [op.kind for op in app_data.operations()] == ["delete"]
    expect(page.get_by_text("before you")).to_have_count(0)
    expect(page.locator(".tombstone-notice")).to_have_count(1)


def test_a_refused_confirmation_shows_why_with_javascript_on(
    new_page: Callable[..., Page], app_data: Tutorial
) -> None:
    """A 422 (reason too long) is shown with JavaScript on too: htmx swaps 4xx answers in
    (``htmx-config`` in ``tombstone/_base.html``; by default it drops them silently). With it
    off it is a plain page, as ``tests/ext/test_tutorial.py`` checks."""
    page = new_page(js=True)
    page.goto("/")
    add_item(page, "Milk")
    confirm_page(page, "Milk")
    page.get_by_label(CONFIRM_REASON).evaluate("field => field.removeAttribute('maxlength')")
    page.get_by_label(CONFIRM_REASON).fill("x" * 501)
    page.get_by_role("button", name="Delete item", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("A reason is at most 500 characters.")
    expect(page.get_by_role("heading", name="Delete item “Milk”?")).to_be_visible()
    assert app_data.live() == ["Milk"]
    assert app_data.operations() == []


def test_a_deletion_from_the_dialog_fades_its_row_out_before_the_list_comes_back(
    new_page: Callable[..., Page], app_data: Tutorial
) -> None:
    page = new_page(js=True)
    page.goto("/")
    add_item(page, "Milk")
    add_item(page, "Bread")
    confirm_page(page, "Milk")
    page.evaluate(  # which row faded (kept in sessionStorage: the navigation resets `window`)
        """() => new MutationObserver(changes => {
            for (const change of changes)
                if (change.target.classList.contains("tombstone-fading"))
                    sessionStorage.setItem("faded", change.target.textContent);
        }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ["class"]})"""
    )
    page.get_by_role("button", name="Delete item", exact=True).click()
    notice(page, "Deleted item “Milk”.")
    faded = page.evaluate("() => sessionStorage.getItem('faded')")
    assert faded is not None and "Milk" in faded and "Bread" not in faded
    assert app_data.live() == ["Bread"]
    expect(page.locator(".tombstone-fading")).to_have_count(0)  # the list came back fresh
