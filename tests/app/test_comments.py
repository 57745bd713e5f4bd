"""Comments: add, edit."""

from __future__ import annotations

from typing import Any

from flask import Flask
from taskboard_support import World, live, text_of

from taskboard.extensions import db
from taskboard.models import Comment


def test_add(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.post(f"/items/{world.alpha_item}/comments", {"body": "  Agreed  "})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/items/{world.alpha_item}#comment-")
    page = text_of(mia.get(f"/items/{world.alpha_item}"))
    assert "Comment added." in page
    assert "mia" in page and "Agreed" in page
    with app.app_context():
        comment = db.session.scalars(db.select(Comment).where(Comment.body == "Agreed")).one()
        assert comment.author_id == world.mia


def test_an_empty_comment_is_refused(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.post(f"/items/{world.alpha_item}/comments", {"body": "   "})
    assert response.status_code == 303
    assert "Comment not added: This field is required." in text_of(
        mia.get(f"/items/{world.alpha_item}")
    )


def test_edit_by_the_author(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    page = max_.get(f"/comments/{world.alpha_comment}/edit")
    assert "Looks good" in page.text
    response = max_.post(f"/comments/{world.alpha_comment}/edit", {"body": "Looks great"})
    assert response.status_code == 303
    assert live(app, Comment, world.alpha_comment).body == "Looks great"
    assert max_.post(f"/comments/{world.alpha_comment}/edit", {"body": ""}).status_code == 422
