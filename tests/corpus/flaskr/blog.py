"""flaskr's blog blueprint and its Post model (blog/models.py + blog/views.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g, redirect, render_template_string, request, url_for
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.exceptions import abort

from flask_tombstone import SoftDeleteMixin

from . import db
from .auth import User, login_required

bp = Blueprint("blog", __name__)


def now_utc() -> datetime:
    return datetime.now(UTC)


class Post(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created: Mapped[datetime] = mapped_column(default=now_utc)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(String(255))

    # User object backed by author_id
    # lazy="joined" means the user is returned with the post in one query
    author: Mapped[User] = relationship(lazy="joined", back_populates="posts")


INDEX = "{% for post in posts %}{{ post.title }} by {{ post.author.username }};{% endfor %}"


@bp.route("/")
def index() -> str:
    """Show all the posts, most recent first."""
    posts = Post.query.order_by(Post.created.desc()).all()
    return render_template_string(INDEX, posts=posts)


def get_post(id: int, check_author: bool = True) -> Post:
    """Get a post and its author by id."""
    post = Post.query.get_or_404(id, f"Post id {id} doesn't exist.")

    if check_author and post.author != g.user:
        abort(403)

    return post


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id: int) -> Any:
    """Update a post if the current user is the author."""
    post = get_post(id)
    if request.method == "POST":
        post.title = request.form["title"]
        post.body = request.form["body"]
        db.session.commit()
        return redirect(url_for("blog.index"))
    return post.title


@bp.route("/<int:id>/delete", methods=("POST",))
@login_required
def delete(id: int) -> Any:
    """Delete a post.

    Ensures that the post exists and that the logged in user is the
    author of the post.
    """
    post = get_post(id)
    db.session.delete(post)
    db.session.commit()
    return redirect(url_for("blog.index"))
