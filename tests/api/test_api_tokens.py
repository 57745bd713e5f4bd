"""API tokens in Settings: created with the secret shown once, stored hashed, revoked."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from taskboard_support import Browser, World

from taskboard.extensions import db
from taskboard.models import ApiToken

pytestmark = pytest.mark.servers
SECRET = re.compile(r'<code id="new-token">(tb_[A-Za-z0-9_-]+)</code>')


def test_create_shows_the_secret_once_and_stores_only_its_digest(app: Flask, world: World) -> None:
    mia = Browser(app)
    mia.login("mia")
    page = mia.post("/settings/tokens", {"token-name": "laptop"})
    assert page.status_code == 200
    match = SECRET.search(page.text)
    assert match, page.text
    secret = match.group(1)
    with app.app_context():
        token = db.session.query(ApiToken).one()
        assert token.name == "laptop" and token.user_id == world.mia
        assert secret not in (token.digest, token.prefix) and secret.startswith(token.prefix)
    again = mia.get("/settings")
    assert "laptop" in again.text and secret not in again.text
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/items", headers=headers).status_code == 200


def test_name_is_required(app: Flask, world: World) -> None:
    mia = Browser(app)
    mia.login("mia")
    assert mia.post("/settings/tokens", {"token-name": " "}).status_code == 422
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_revoke_own_token_only(app: Flask, world: World) -> None:
    mia, otto = Browser(app), Browser(app)
    mia.login("mia")
    otto.login("otto")
    secret = SECRET.search(mia.post("/settings/tokens", {"token-name": "ci"}).text).group(1)  # type: ignore[union-attr]
    with app.app_context():
        token_id = db.session.query(ApiToken.id).scalar()
    assert otto.post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert mia.post(f"/settings/tokens/{token_id}/revoke", csrf=False).status_code == 400
    assert mia.post(f"/settings/tokens/{token_id}/revoke").status_code == 303
    headers = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/items", headers=headers).status_code == 401


def test_a_trashed_account_tokens_stop_working(app: Flask, world: World) -> None:
    from api_support import issue_token

    from taskboard.extensions import tombstone
    from taskboard.models import User

    secret = issue_token(app, world.max)
    headers = {"Authorization": f"Bearer {secret}"}
    with app.app_context():
        tombstone.delete(db.session.get(User, world.max))
        db.session.commit()
    assert app.test_client().get("/api/items", headers=headers).status_code == 401
