"""The deletion experience: confirmation page, delete, Undo, htmx, hard delete, bad input."""

from __future__ import annotations

import json
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
    response = mia.confirm(f"/items/{world.alpha_item}/delete", {"reason": "duplicate"})
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
        assert op.context == {"project_ids": [world.alpha]}

    restored = mia.post(f"/operations/{undo.group(1)}/undo", {"next": f"/projects/{world.alpha}"})
    assert restored.status_code == 303
    assert restored.headers["Location"] == f"/projects/{world.alpha}"
    assert live(app, Item, world.alpha_item) is not None
    assert live(app, Comment, world.alpha_comment) is not None
    assert "Restored 1 item and 1 comment." in text_of(mia.get("/projects"))
    # The tag link survived the round trip (a soft delete detaches nothing).
    with app.app_context():
        from taskboard.extensions import db

        item = db.session.get(Item, world.alpha_item)
        assert item is not None
        assert [t.id for t in item.tags] == [world.alpha_tag]


def test_htmx_confirmation_is_a_dialog_fragment(browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete?next=/items", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "<html" not in page.text
    assert f'hx-post="/items/{world.alpha_item}/delete"' in page.text
    assert f'hx-target="#item-{world.alpha_item}"' in page.text
    assert "data-close-dialog" in page.text
    assert re.search(r"Comment 1 “Looks good”", text_of(page))


def test_htmx_delete_removes_the_row_and_offers_undo(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete", headers={"HX-Request": "true"})
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)
    assert token
    response = mia.post(
        f"/items/{world.alpha_item}/delete",
        {"token": token.group(1), "next": "/items"},
        htmx=True,
    )
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]) == {
        "taskboard:deleted": {"id": f"item-{world.alpha_item}"}
    }
    assert 'hx-swap-oob="beforeend"' in response.text
    assert "Deleted item “Write spec” with 1 comment." in text_of(response)
    op = undo_op(response)
    assert op is not None
    assert live(app, Item, world.alpha_item) is None

    undone = mia.post(f"/operations/{op}/undo", {"next": "/items"}, htmx=True)
    assert undone.status_code == 200
    assert undone.headers["HX-Refresh"] == "true"
    assert live(app, Item, world.alpha_item) is not None


def test_htmx_refusal_goes_back_into_the_dialog(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.post(f"/items/{world.alpha_item}/delete", {"token": "stale"}, htmx=True)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#dialog-body"
    assert "Something changed since you looked" in text_of(response)
    assert live(app, Item, world.alpha_item) is not None


def test_a_changed_plan_is_refused_and_shown_again(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/projects/{world.alpha}/delete")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)
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
    assert "Something changed since you looked" in text
    assert re.search(r"Items 3 ", text)  # the fresh preview
    fresh = re.search(r'name="token" type="hidden" value="([^"]+)"', response.text)
    assert fresh
    assert fresh.group(1) != token.group(1)
    assert live(app, Project, world.alpha) is not None
    assert mia.post(f"/projects/{world.alpha}/delete", {"token": fresh.group(1)}).status_code == 303
    assert live(app, Project, world.alpha) is None


def test_double_submit_says_already_deleted(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)
    assert token
    first = mia.post(f"/items/{world.alpha_item}/delete", {"token": token.group(1)})
    assert first.status_code == 303
    second = mia.post(f"/items/{world.alpha_item}/delete", {"token": token.group(1)})
    assert second.status_code == 303
    assert second.headers["Location"] == "/items"
    assert "That item was already deleted: it is in the trash." in text_of(mia.get("/items"))
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
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)
    assert token
    late = mia.post(f"/items/{world.max_item}/delete", {"token": token.group(1)})
    assert late.status_code == 303
    assert "already deleted" in text_of(mia.get(late.headers["Location"]))
    htmx_late = mia.post(f"/items/{world.max_item}/delete", {"token": "x"}, htmx=True)
    assert htmx_late.status_code == 409
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
    assert "Only admins delete permanently." in text_of(refused)
    assert raw(app, Item, world.alpha_item).deleted_at is None
    assert "Delete permanently instead" not in mia.get(f"/items/{world.alpha_item}/delete").text


def test_admins_delete_permanently_with_a_reason(app: Flask, browser: Any, world: World) -> None:
    ada = browser("ada")
    page = ada.get(f"/users/{world.max}/delete".replace("/users", "/settings/users") + "?hard=1")
    assert page.status_code == 200
    text = text_of(page)
    assert "Permanently delete account “max”?" in text
    assert "It cannot be undone" in text
    assert "Item.assignee_id" in text  # the SET NULL link it will clear
    assert "project_member" in text  # the membership it will detach

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
    assert "Permanently deleted account “max”." in text_of(followed)
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
    assert bad.headers["Location"] == f"/projects/{world.alpha}"
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
    response = max_.confirm(f"/comments/{world.alpha_comment}/delete")
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
