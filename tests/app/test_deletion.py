"""The deletion experience (the extension's pages, configured by ``taskboard.access.hooks``):
confirmation page, delete, Undo, the htmx dialog, hard delete, bad input."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from taskboard_support import World, live, raw, text_of, undo_op

from taskboard.models import Comment, Item, Operation, Project, Tag, User


def test_confirmation_page_shows_what_goes_along(browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/projects/{world.alpha}/delete")
    assert page.status_code == 200
    text = text_of(page)
    assert "Delete project “Alpha”?" in text
    assert re.search(r"Items 2 .*“Write spec”.*“Fix login”", text)
    assert re.search(r"Comment 1 “Looks good”", text)
    assert re.search(r"Tag 1 “bug”", text)
    assert "You can undo it" in text
    assert 'name="token"' in page.text


def test_delete_redirects_with_undo_and_undo_restores_exactly(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    response = mia.confirm(
        f"/items/{world.alpha_item}/delete",
        {"reason": "duplicate", "next": f"/projects/{world.alpha}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/projects/{world.alpha}"
    assert live(app, Item, world.alpha_item) is None
    assert live(app, Comment, world.alpha_comment) is None
    assert live(app, Item, world.max_item) is not None

    page = mia.get(response.headers["Location"])
    text = text_of(page)
    assert "Deleted item “Write spec” with 1 comment." in text
    undo = re.search(r'action="/operations/(\d+)/undo"', page.text)
    assert undo, page.text
    with app.app_context():
        from taskboard.extensions import db

        op = db.session.get(Operation, int(undo.group(1)))
        assert op is not None
        assert op.reason == "duplicate"
        assert op.actor == f"user:{world.mia}"
        assert op.counts == {"Item": 1, "Comment": 1}
        assert op.context == {"label": "Write spec", "project_ids": [world.alpha]}

    restored = mia.post(f"/operations/{undo.group(1)}/undo", {"next": f"/projects/{world.alpha}"})
    assert restored.status_code == 303
    assert restored.headers["Location"] == f"/projects/{world.alpha}"
    assert live(app, Item, world.alpha_item) is not None
    assert live(app, Comment, world.alpha_comment) is not None
    assert "Restored item “Write spec” with 1 comment." in text_of(mia.get("/projects"))
    # The tag link survived the round trip (a soft delete detaches nothing).
    with app.app_context():
        from taskboard.extensions import db

        item = db.session.get(Item, world.alpha_item)
        assert item is not None
        assert [t.id for t in item.tags] == [world.alpha_tag]


DIALOG = {"HX-Request": "true", "HX-Target": "tombstone-dialog-body"}
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def test_htmx_confirmation_is_a_dialog_fragment(browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete?next=/items", headers=DIALOG)
    assert page.status_code == 200
    assert "<html" not in page.text
    assert f'hx-post="/items/{world.alpha_item}/delete"' in page.text
    assert 'hx-target="#tombstone-dialog-body"' in page.text
    assert "data-tombstone-close" in page.text
    assert re.search(r"Comment 1 “Looks good”", text_of(page))


def test_htmx_delete_goes_back_to_the_list_with_undo(
    app: Flask, browser: Any, world: World
) -> None:
    """From the dialog, a done deletion navigates to ``next`` (the list, counts fresh) where
    the notice offers Undo."""
    mia = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete", headers=DIALOG)
    token = TOKEN.search(page.text)
    assert token
    response = mia.post(
        f"/items/{world.alpha_item}/delete",
        {"token": token.group(1), "next": "/items"},
        htmx=True,
        headers={"HX-Target": "tombstone-dialog-body"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/items"
    assert live(app, Item, world.alpha_item) is None
    listing = mia.get("/items")
    assert "Deleted item “Write spec” with 1 comment." in text_of(listing)
    assert f'id="item-{world.alpha_item}"' not in listing.text
    op = undo_op(listing)
    assert op is not None

    undone = mia.post(f"/operations/{op}/undo", {"next": "/items"}, htmx=True)
    assert undone.status_code == 303
    assert undone.headers["Location"] == "/items"
    assert live(app, Item, world.alpha_item) is not None


def test_htmx_refusal_stays_in_the_dialog(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.post(
        f"/items/{world.alpha_item}/delete",
        {"token": "stale"},
        htmx=True,
        headers={"HX-Target": "tombstone-dialog-body"},
    )
    assert response.status_code == 409
    assert "<html" not in response.text
    assert "What this would delete changed since you looked" in text_of(response)
    assert live(app, Item, world.alpha_item) is not None


def test_a_changed_plan_is_refused_and_shown_again(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/projects/{world.alpha}/delete")
    token = TOKEN.search(page.text)
    assert token
    # Meanwhile, someone adds an item to the project.
    max_ = browser("max")
    added = max_.post(
        f"/projects/{world.alpha}/items/new",
        {"name": "Late addition", "status": "open", "assignee": "0"},
    )
    assert added.status_code == 303
    response = mia.post(f"/projects/{world.alpha}/delete", {"token": token.group(1)})
    assert response.status_code == 409
    text = text_of(response)
    assert "What this would delete changed since you looked" in text
    assert re.search(r"Items 3 ", text)  # the fresh preview
    fresh = TOKEN.search(response.text)
    assert fresh
    assert fresh.group(1) != token.group(1)
    assert live(app, Project, world.alpha) is not None
    assert mia.post(f"/projects/{world.alpha}/delete", {"token": fresh.group(1)}).status_code == 303
    assert live(app, Project, world.alpha) is None


def test_double_submit_says_it_is_in_the_trash(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete")
    token = TOKEN.search(page.text)
    assert token
    first = mia.post(f"/items/{world.alpha_item}/delete", {"token": token.group(1)})
    assert first.status_code == 303
    second = mia.post(f"/items/{world.alpha_item}/delete", {"token": token.group(1)})
    assert second.status_code == 410
    assert "it is in the trash" in text_of(second)
    assert 'href="/trash"' in second.text
    with app.app_context():
        from sqlalchemy import func, select

        from taskboard.extensions import db

        deletes = db.session.scalar(
            select(func.count()).where(Operation.kind == "delete", Operation.root_model == "Item")
        )
        assert deletes == 1


def test_deleted_by_someone_else_in_between(app: Flask, browser: Any, world: World) -> None:
    mia, max_ = browser("mia"), browser("max")
    page = mia.get(f"/items/{world.max_item}/delete")
    assert page.status_code == 200
    assert max_.confirm(f"/items/{world.max_item}/delete").status_code == 303
    token = TOKEN.search(page.text)
    assert token
    late = mia.post(f"/items/{world.max_item}/delete", {"token": token.group(1)})
    assert late.status_code == 410
    assert "in the trash" in text_of(late)
    htmx_late = mia.post(f"/items/{world.max_item}/delete", {"token": "x"}, htmx=True)
    assert htmx_late.status_code == 410
    assert htmx_late.headers["HX-Retarget"] == "#toasts"


def test_restrict_blocks_with_the_reason_in_plain_words(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    page = mia.get("/settings/account/delete")
    assert page.status_code == 200
    text = text_of(page)
    assert "This cannot be deleted yet" in text
    assert (
        "Account “mia” still owns project “Alpha”: transfer the project to someone else or "
        "delete it first." in text
    )
    assert '<button class="button danger" type="submit">' not in page.text
    response = mia.post("/settings/account/delete", {"token": "whatever"})
    assert response.status_code == 409
    assert "still owns project “Alpha”" in text_of(response)
    assert live(app, User, world.mia) is not None
    assert mia.get("/projects").status_code == 200  # still logged in


def test_members_never_delete_permanently(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.get(f"/items/{world.alpha_item}/delete?hard=1").status_code == 403
    refused = mia.post(
        f"/items/{world.alpha_item}/delete", {"hard": "1", "reason": "x", "token": "x"}
    )
    assert refused.status_code == 403
    assert "You are not allowed to do that." in text_of(refused)
    assert raw(app, Item, world.alpha_item).deleted_at is None
    assert "Delete permanently instead" not in mia.get(f"/items/{world.alpha_item}/delete").text


def test_admins_delete_an_item_permanently_with_a_reason(
    app: Flask, browser: Any, world: World
) -> None:
    ada = browser("ada")
    url = f"/items/{world.alpha_item}/delete"
    assert "Delete permanently instead" in ada.get(url).text
    page = ada.get(url + "?hard=1")
    assert "Delete item “Write spec” permanently?" in text_of(page)
    no_reason = ada.confirm(url + "?hard=1")
    assert no_reason.status_code == 422
    assert "Say why: a permanent deletion cannot be undone." in text_of(no_reason)
    assert raw(app, Item, world.alpha_item) is not None
    done = ada.confirm(url + "?hard=1", {"reason": "spam", "next": "/items"})
    assert done.status_code == 303
    assert raw(app, Item, world.alpha_item) is None
    assert raw(app, Comment, world.alpha_comment) is None
    followed = ada.get("/items")
    assert "Deleted item “Write spec” for good." in text_of(followed)
    assert undo_op(followed) is None


def test_admins_delete_permanently_with_a_reason(app: Flask, browser: Any, world: World) -> None:
    ada = browser("ada")
    page = ada.get(f"/settings/users/{world.max}/delete?hard=1")
    assert page.status_code == 200
    text = text_of(page)
    assert "Delete account “max” permanently?" in text
    assert "It cannot be undone" in text
    assert "Links to other records are removed with it." in text  # assignee, membership

    url = f"/settings/users/{world.max}/delete?hard=1"
    no_reason = ada.confirm(url)
    assert no_reason.status_code == 422
    assert "a permanent deletion needs a reason" in text_of(no_reason)
    assert raw(app, User, world.max) is not None

    done = ada.confirm(url, {"reason": "GDPR request"})
    assert done.status_code == 303
    assert raw(app, User, world.max) is None
    item = live(app, Item, world.alpha_item)
    assert item.assignee_id is None
    assert live(app, Comment, world.alpha_comment).author_id is None
    followed = ada.get(done.headers["Location"])
    assert "Deleted account “max” for good." in text_of(followed)
    assert undo_op(followed) is None
    with app.app_context():
        from sqlalchemy import select

        from taskboard.extensions import db

        op = db.session.scalars(select(Operation).where(Operation.kind == "hard_delete")).one()
        assert op.reason == "GDPR request"
        assert op.counts == {"User": 1}


def test_bad_ids_are_not_found(browser: Any, world: World) -> None:
    mia = browser("mia")
    for url in (
        "/items/999999/delete",
        "/items/abc/delete",
        "/items/0/delete",
        "/items/-1/delete",
        "/items/2147483648/delete",
        "/items/99999999999999999999/delete",
        "/projects/1.5/delete",
        "/operations/abc/undo",
    ):
        assert mia.get(url).status_code in (404, 405), url
        assert mia.post(url, {"token": "x"}).status_code == 404, url


def test_next_is_followed_only_within_the_site(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    bad = mia.confirm(f"/items/{world.alpha_item}/delete", {"next": "//evil.example/x"})
    assert bad.headers["Location"] == "/projects"  # TOMBSTONE_VIEWS_HOME
    good = mia.confirm(f"/items/{world.max_item}/delete", {"next": "/items?status=done"})
    assert good.headers["Location"] == "/items?status=done"


def test_the_reason_is_limited(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.confirm(f"/items/{world.alpha_item}/delete", {"reason": "x" * 501})
    assert response.status_code == 422
    assert live(app, Item, world.alpha_item) is not None


def test_deleting_a_tag_keeps_the_items(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.confirm(f"/tags/{world.alpha_tag}/delete")
    assert response.status_code == 303
    assert live(app, Tag, world.alpha_tag) is None
    item = mia.get(f"/items/{world.alpha_item}")
    assert item.status_code == 200
    assert '<span class="tag">bug</span>' not in item.text


def test_deleting_a_comment_from_its_item_page(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    item_page = max_.get(f"/items/{world.alpha_item}")
    next_url = f"/items/{world.alpha_item}#comments"
    assert f'href="/comments/{world.alpha_comment}/delete?next=' in item_page.text
    assert 'aria-label="Delete comment by max"' in item_page.text
    response = max_.confirm(f"/comments/{world.alpha_comment}/delete", {"next": next_url})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/items/{world.alpha_item}#comments"
    assert live(app, Comment, world.alpha_comment) is None
    page = max_.get(f"/items/{world.alpha_item}")
    assert f'id="comment-{world.alpha_comment}"' not in page.text
    assert "Deleted comment “Looks good”." in text_of(page)


def test_a_delete_without_the_confirm_token_is_refused(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    response = mia.post(f"/items/{world.alpha_item}/delete", {"reason": "scripted"})
    assert response.status_code == 422
    assert "the form had no token" in text_of(response)
    assert live(app, Item, world.alpha_item) is not None


def test_a_trashed_rows_page_says_it_is_in_the_trash(browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/items/{world.alpha_item}/delete").status_code == 303
    for url in (f"/items/{world.alpha_item}", f"/items/{world.alpha_item}/delete"):
        page = mia.get(url)
        assert page.status_code == 410, url
        assert "it is in the trash" in text_of(page)
        assert 'href="/trash"' in page.text
