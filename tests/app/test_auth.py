"""Accounts: register, log in and out, sessions, rate limits."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Any

import pytest
from flask import Flask
from taskboard_support import PASSWORD, Browser, World, live, text_of

from dbs import unavailable
from taskboard.extensions import db, login_manager
from taskboard.models import LoginSession, Role, User


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


# -- logins end (issue 10, item 5) -----------------------------------------------------------
def log_in_remembered(app: Flask, username: str, password: str = PASSWORD) -> Browser:
    """A browser logged in with "Keep me logged in" ticked: a session and a remember cookie."""
    person = Browser(app)
    response = person.client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "remember": "y",
            "csrf_token": person.token(),
        },
    )
    assert response.status_code == 303, response.text
    assert person.client.get_cookie("remember_token") is not None
    return person


def cookies_of(person: Browser) -> dict[str, str]:
    """The browser's session and remember cookies, as someone copying them would have them."""
    found = {}
    for name in ("session", "remember_token"):
        cookie = person.client.get_cookie(name)
        if cookie is not None:
            found[name] = cookie.value
    return found


def replay(app: Flask, name: str, value: str) -> int:
    """The status of a page behind the login, requested with nothing but this one cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get("/projects").status_code


def test_a_cookie_copied_before_logout_is_dead_after_it(app: Flask, world: World) -> None:
    mia = log_in_remembered(app, "mia")
    copied = cookies_of(mia)
    assert set(copied) == {"session", "remember_token"}
    for name, value in copied.items():
        assert replay(app, name, value) == 200, name  # each one alone logs in, until...
    assert mia.post("/logout").status_code == 303
    assert mia.get("/projects").status_code == 302
    for name, value in copied.items():
        assert replay(app, name, value) == 302, name
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0


def test_logging_out_ends_only_that_login(app: Flask, world: World) -> None:
    laptop, phone = Browser(app), Browser(app)
    laptop.login("mia")
    phone.login("mia")
    assert laptop.post("/logout").status_code == 303
    assert laptop.get("/projects").status_code == 302
    assert phone.get("/projects").status_code == 200


def test_a_password_change_ends_every_other_login(app: Flask, world: World) -> None:
    here, there = log_in_remembered(app, "max"), log_in_remembered(app, "max")
    copied_here, copied_there = cookies_of(here), cookies_of(there)
    new = "a fresh pair of socks"
    changed = here.post(
        "/settings/password", {"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new}
    )
    assert changed.status_code == 303
    assert there.get("/projects").status_code == 302
    assert "every other session of your account logged out" in text_of(here.get("/settings"))
    for copied in (copied_there, copied_here):  # the cookies from before the change
        for name, value in copied.items():
            assert replay(app, name, value) == 302, name
    # The browser that changed it stays logged in, on a new login (remembered as it was).
    assert here.get("/projects").status_code == 200
    renewed = cookies_of(here)
    assert renewed["remember_token"] != copied_here["remember_token"]
    assert replay(app, "remember_token", renewed["remember_token"]) == 200


@pytest.mark.parametrize("by", ["max", "ada"])
def test_deleting_an_account_ends_its_logins_and_tokens_for_good(
    app: Flask, world: World, by: str
) -> None:
    max_ = log_in_remembered(app, "max")
    copied = cookies_of(max_)
    page = max_.post("/settings/tokens", {"token-name": "laptop"})
    secret = re.search(r'<code id="new-token">(tb_[\w-]+)</code>', page.text)
    assert secret, page.text
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    api = app.test_client()
    assert api.get("/api/items", headers=bearer).status_code == 200

    deleter = max_ if by == "max" else Browser(app)
    if by == "ada":
        deleter.login("ada")
    url = "/settings/account/delete" if by == "max" else f"/settings/users/{world.max}/delete"
    assert deleter.confirm(url).status_code == 303
    assert live(app, User, world.max) is None

    ada = Browser(app)
    ada.login("ada")
    op = re.search(r'id="tombstone-op-(\d+)"', ada.get("/trash").text)
    assert op
    assert ada.post(f"/trash/{op.group(1)}/restore").status_code == 303
    assert live(app, User, world.max) is not None
    # The account is back; no way into it from before its deletion is.
    for name, value in copied.items():
        assert replay(app, name, value) == 302, name
    assert api.get("/api/items", headers=bearer).status_code == 401
    again = Browser(app)
    again.login("max")
    assert again.get("/projects").status_code == 200
    assert "laptop" not in again.get("/settings").text  # revoked, not listed as active


def test_a_session_from_before_logins_were_kept_is_ended(app: Flask, world: World) -> None:
    mia = browser_logged_in(app, "mia")
    with mia.client.session_transaction() as session:
        session["_user_id"] = str(world.mia)  # what Flask-Login kept before: the bare id
    assert mia.get("/projects").status_code == 302


def browser_logged_in(app: Flask, username: str) -> Browser:
    person = Browser(app)
    person.login(username)
    assert person.get("/projects").status_code == 200
    return person


# -- guessing passwords (issue 10, item 6) ---------------------------------------------------
def attempt(app: Flask, username: str, password: str, address: str = "127.0.0.1") -> Any:
    """One login attempt from ``address``, by a new visitor."""
    person = Browser(app)
    return person.client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": person.token()},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_unknown_username_costs_the_same_hash_as_a_known_one(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timing of a refusal must not tell whether the account exists: the hash function
    runs, with the same method and cost, for a wrong password and for an unknown name."""
    app = make_app(TASKBOARD_PASSWORD_METHOD="scrypt:2048:8:1")  # not the tests' default
    assert register(Browser(app), "known").status_code == 303
    calls: list[tuple[Any, ...]] = []
    scrypt, pbkdf2 = hashlib.scrypt, hashlib.pbkdf2_hmac

    def counted_scrypt(password: bytes, **kwargs: Any) -> bytes:
        calls.append(("scrypt", kwargs["n"], kwargs["r"], kwargs["p"]))
        return scrypt(password, **kwargs)

    def counted_pbkdf2(name: str, password: bytes, salt: bytes, rounds: int, *rest: Any) -> bytes:
        calls.append(("pbkdf2", name, rounds))
        return pbkdf2(name, password, salt, rounds, *rest)

    monkeypatch.setattr(hashlib, "scrypt", counted_scrypt)
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted_pbkdf2)
    work = {}
    for username in ("known", "unknown", "known", "unknown"):  # the second round: warmed up
        calls.clear()
        assert attempt(app, username, "not the password").status_code == 422
        work[username] = list(calls)
    assert work["known"] == [("scrypt", 2048, 8, 1)]
    assert work["unknown"] == work["known"]


def test_an_older_hash_is_replaced_at_login(make_app: Any, world: World) -> None:
    """Accounts hashed before the method changed would answer faster than unknown ones."""
    app = make_app(TASKBOARD_PASSWORD_METHOD="scrypt:2048:8:1")
    assert live(app, User, world.mia).password_hash.startswith("pbkdf2:sha256:1000$")
    assert attempt(app, "mia", PASSWORD).status_code == 303
    assert live(app, User, world.mia).password_hash.startswith("scrypt:2048:8:1$")
    assert attempt(app, "mia", PASSWORD).status_code == 303


def limited(make_app: Any, account_limit: str) -> Flask:
    app: Flask = make_app(
        RATELIMIT_ENABLED=True,
        TASKBOARD_LOGIN_LIMIT="1000 per minute",  # the per-address limit out of the way
        TASKBOARD_LOGIN_ACCOUNT_LIMIT=account_limit,
    )
    return app


def test_failures_against_one_account_are_limited_from_any_address(
    make_app: Any, world: World
) -> None:
    app = limited(make_app, "3 per minute")
    for n in range(3):
        assert attempt(app, "mia", "wrong", f"198.51.100.{n}").status_code == 422
    for username in ("mia", "mia@example.com"):  # by name or by email: one account
        refused = attempt(app, username, PASSWORD, "203.0.113.77")  # the right password
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert "Too many requests" in text_of(refused)
    assert attempt(app, "max", PASSWORD, "198.51.100.0").status_code == 303  # others unaffected
    # An unknown name is limited the same way: the answers do not tell who exists.
    statuses = [attempt(app, "nobody", "wrong", f"192.0.2.{n}").status_code for n in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_a_correct_password_clears_the_failures(make_app: Any, world: World) -> None:
    app = limited(make_app, "3 per minute")
    for _ in range(2):
        for n in range(2):
            assert attempt(app, "mia", "wrong", f"198.51.100.{n}").status_code == 422
        assert attempt(app, "mia", PASSWORD).status_code == 303


def test_an_account_lock_lifts_when_its_window_ends(make_app: Any, world: World) -> None:
    """Nobody can lock someone out for good: the failures are forgotten with the window."""
    app = limited(make_app, "2 per 1 second")
    visitors = [Browser(app) for _ in range(4)]
    tokens = [visitor.token() for visitor in visitors]  # the pages read before the clock runs

    def post(n: int, password: str) -> int:
        data = {"username": "mia", "password": password, "csrf_token": tokens[n]}
        return int(visitors[n].client.post("/login", data=data).status_code)

    started = time.monotonic()  # the window opens at the first failure, just after this
    assert [post(0, "wrong"), post(1, "wrong")] == [422, 422]
    locked = post(2, PASSWORD)
    if time.monotonic() - started < 1:  # else the window has turned already
        assert locked == 429
    time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
    assert post(3, PASSWORD) == 303


# -- weak passwords (issue 10, item 6) -------------------------------------------------------
@pytest.mark.parametrize(
    "password", ["password", "12345678", "qwertyuiop", "Password1!", "newcomer2024"]
)
def test_registration_refuses_a_password_easy_to_guess(
    app: Flask, browser: Any, password: str
) -> None:
    response = register(browser(None), "newcomer", password=password, confirm=password)
    assert response.status_code == 422
    assert "This password is too easy to guess." in text_of(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_the_password_rules_are_the_services_not_only_the_forms(app: Flask) -> None:
    from taskboard.auth import passwords, services

    with app.app_context(), app.test_request_context():
        with pytest.raises(services.AccountError) as refused:
            services.register(services.Registration("zed", "zed@example.org", "12345678"))
        assert set(refused.value.fields) == {"password"}
        with pytest.raises(passwords.WeakPassword):
            passwords.new_hash("letmein1")
        assert passwords.new_hash(PASSWORD).startswith("pbkdf2:")
