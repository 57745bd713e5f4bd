"""Comments: add and edit. Never commits."""

from __future__ import annotations

from taskboard.extensions import db
from taskboard.models import Comment, Item, User


def add(item: Item, author: User, body: str) -> Comment:
    comment = Comment(item=item, author=author, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


def edit(comment: Comment, body: str) -> Comment:
    comment.body = body
    db.session.flush()
    return comment
