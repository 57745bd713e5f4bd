"""Helpers for the API tests: a client sending a bearer token, and issuing tokens."""

from __future__ import annotations

from typing import Any

from flask import Flask

from taskboard.auth import tokens
from taskboard.extensions import db
from taskboard.models import User


class Caller:
    """A test client sending one user's bearer token."""

    def __init__(self, app: Flask, secret: str | None) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def open(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = self.headers | kwargs.pop("headers", {})
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.open("GET", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.open("DELETE", url, **kwargs)


def issue_token(app: Flask, user_id: int) -> str:
    with app.app_context():
        secret = tokens.issue(db.session.get(User, user_id), "tests").secret  # type: ignore[arg-type]
        db.session.commit()
        return secret
