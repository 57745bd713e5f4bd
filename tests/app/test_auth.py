"""Accounts: register, log in and out, sessions, rate limits."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from taskboard_support import PASSWORD, Browser, World, live, text_of

from dbs import unavailable
from taskboard.extensions import db, login_manager
from taskboard.models import Role, User


def register(person: Browser, username: str, email: str | None = None, **extra: str) -> Any:
    return person.post(
        "/register",
        {
            "username": username,
            "email": email or f"{username}@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        }
        | extra,
    )


def test_the_first_account_is_an_admin(app: Flask, browser: Any) -> None:
    first = browser(None)
    response = register(first, "Root")  # usernames are lower-cased
    assert response.status_code == 303
    assert response.headers["Location"] == "/projects"
    second = browser(None)
    assert register(second, "someone").status_code == 303
    with app.app_context():
        roles = dict(db.session.execute(db.select(User.username, User.role)).all())
    assert roles == {"root": Role.ADMIN.value, "someone": Role.MEMBER.value}
    assert "Welcome, someone!" in text_of(second.get("/projects"))


def test_registration_errors_are_listed(app: Flask, browser: Any, world: World) -> None:
    person = browser(None)
    response = register(person, "mia", email="MIA@example.com")
    assert response.status_code == 422
    text = text_of(response)
    assert "This username is taken." in text
    assert "An account already uses this email." in text
    bad = person.post(
        "/register",
        {"username": "no spaces", "email": "nope", "password": "short", "confirm": "other"},
    )
    assert bad.status_code == 422
    text = text_of(bad)
    assert "Lowercase letters, digits" in text
    assert "Invalid email address." in text
    assert "Not the same." in text


def test_registration_can_be_closed(make_app: Any) -> None:
    closed = make_app(TASKBOARD_ALLOW_REGISTRATION=False)
    client = closed.test_client()
    assert client.get("/register").status_code == 404
    assert "Register" not in client.get("/login").text


def test_login_by_username_or_email(app: Flask, browser: Any, world: World) -> None:
    by_name = browser(None)
    by_name.login("mia")
    assert by_name.logged_in
    by_email = Browser(app)
    response = by_email.client.post(
        "/login",
        data={"username": "MIA@example.com", "password": PASSWORD, "csrf_token": by_email.token()},
    )
    assert response.status_code == 303


def test_wrong_credentials_say_nothing_more(app: Flask, browser: Any, world: World) -> None:
    person = browser(None)
    for username, password in (("mia", "wrong password"), ("nobody", PASSWORD)):
        response = person.post("/login", {"username": username, "password": password})
        assert response.status_code == 422
        assert "Unknown username or wrong password." in text_of(response)
        assert not person.logged_in


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/items?status=done", "/items?status=done"),
        ("//evil.example/", "/projects"),
        ("https://evil.example/", "/projects"),
        ("/\\evil.example", "/projects"),
        ("javascript:alert(1)", "/projects"),
        ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
        ("\t//evil.example", "/projects"),
    ],
)
def test_login_follows_next_only_within_the_site(
    app: Flask, browser: Any, world: World, target: str, expected: str
) -> None:
    person = browser(None)
    response = person.post("/login", {"username": "mia", "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_pages_need_a_login_and_come_back(app: Flask, client: Any) -> None:
    response = client.get("/items?status=open")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login = client.get(response.headers["Location"])
    assert 'name="next" type="hidden" value="/items?status=open"' in login.text


def test_logout_is_a_post_with_a_token(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.get("/logout").status_code == 405
    assert mia.post("/logout", csrf=False).status_code == 400
    assert mia.logged_in
    response = mia.post("/logout")
    assert response.status_code == 303
    assert not mia.logged_in
    assert mia.get("/projects").status_code == 302


def test_a_deleted_account_is_logged_out(app: Flask, browser: Any, world: World) -> None:
    max_, ada = browser("max"), browser("ada")
    assert max_.get("/projects").status_code == 200
    assert ada.confirm(f"/settings/users/{world.max}/delete").status_code == 303
    assert max_.get("/projects").status_code == 302
    again = Browser(app)
    response = again.client.post(
        "/login", data={"username": "max", "password": PASSWORD, "csrf_token": again.token()}
    )
    assert response.status_code == 422


def test_sessions_are_protected(app: Flask) -> None:
    assert login_manager.session_protection == "strong"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_secure_cookies_over_https(make_app: Any, world: World) -> None:
    secure = make_app(TASKBOARD_SECURE_COOKIES=True)
    person = Browser(secure)
    page = person.client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token
    response = person.client.post(
        "/login",
        data={
            "username": "mia",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": token.group(1),
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # checked over HTTPS
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_login_is_rate_limited(make_app: Any, world: World) -> None:
    limited = make_app(RATELIMIT_ENABLED=True, TASKBOARD_LOGIN_LIMIT="3 per minute")
    person = Browser(limited)
    statuses = [
        person.client.post(
            "/login", data={"username": "mia", "password": "wrong", "csrf_token": person.token()}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    response = person.client.post(
        "/login", data={"username": "mia", "password": PASSWORD, "csrf_token": person.token()}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many requests" in text_of(response)
    assert not person.logged_in


def test_destructive_routes_are_rate_limited(app: Flask, make_app: Any, world: World) -> None:
    limited = make_app(RATELIMIT_ENABLED=True, TASKBOARD_DESTRUCTIVE_LIMIT="2 per minute")
    mia = Browser(limited)
    mia.login("mia")
    assert mia.post(f"/items/{world.max_item}/delete", {"token": "stale"}).status_code == 409
    assert mia.post(f"/items/{world.alpha_item}/delete", {"token": "stale"}).status_code == 409
    third = mia.post(f"/items/{world.alpha_item}/delete", {"token": "stale"})
    assert third.status_code == 429
    assert mia.post("/trash/1/restore").status_code == 429  # one budget for every route
    assert mia.get("/projects").status_code == 200  # reading is not limited
    from taskboard.models import Item

    assert live(app, Item, world.alpha_item) is not None


def test_rate_limits_can_live_in_redis(make_app: Any, world: World) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        unavailable("redis", type(error).__name__)
    prefix = f"taskboard-test-{uuid.uuid4().hex[:8]}"  # this run's keys only
    limited = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=prefix,
        TASKBOARD_LOGIN_LIMIT="2 per minute",
    )
    person = Browser(limited)
    form = {"username": "mia", "password": "wrong", "csrf_token": person.token()}
    statuses = [person.client.post("/login", data=form).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    keys = redis.Redis.from_url(url).keys(f"*{prefix}*")
    assert keys  # the counts are in Redis, shared by every process using it
    redis.Redis.from_url(url).delete(*keys)
