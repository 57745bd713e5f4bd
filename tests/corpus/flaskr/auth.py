"""flaskr's auth blueprint and its User model (auth/models.py + auth/views.py)."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, g, redirect, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from flask_tombstone import SoftDeleteMixin

from . import db

bp = Blueprint("auth", __name__, url_prefix="/auth")


class User(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(255), unique=True, nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)

    posts = db.relationship("Post", back_populates="author")

    def set_password(self, value: str) -> None:
        """Store the password as a hash for security."""
        self.password_hash = generate_password_hash(value)

    # allow password = "..." to set a password
    password = property(fset=set_password)

    def check_password(self, value: str) -> bool:
        return check_password_hash(self.password_hash, value)


def login_required(view: Any) -> Any:
    """View decorator that redirects anonymous users to the login page."""

    @functools.wraps(view)
    def wrapped_view(**kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login"))

        return view(**kwargs)

    return wrapped_view


@bp.before_app_request
def load_logged_in_user() -> None:
    """If a user id is stored in the session, load the user object from
    the database into ``g.user``."""
    user_id = session.get("user_id")
    g.user = db.session.get(User, user_id) if user_id is not None else None


@bp.route("/login", methods=("GET", "POST"))
def login() -> str:
    return "log in"
