"""Settings: profile, password, one's own account; admins manage people."""

from __future__ import annotations

from typing import Any

from flask import Flask
from taskboard_support import PASSWORD, Browser, World, live, text_of, undo_op

from taskboard.models import Role, User


def test_profile_email(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    assert max_.post("/settings", {"email": "Max@New.example"}).status_code == 303
    assert live(app, User, world.max).email == "max@new.example"
    taken = max_.post("/settings", {"email": "mia@example.com"})
    assert taken.status_code == 422
    assert "An account already uses this email." in text_of(taken)
    assert max_.post("/settings", {"email": "not-an-address"}).status_code == 422


def test_password_change(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    wrong = max_.post(
        "/settings/password",
        {"pw-current": "nope", "pw-password": "new password!", "pw-confirm": "new password!"},
    )
    assert wrong.status_code == 422
    assert "That is not your current password." in text_of(wrong)
    right = max_.post(
        "/settings/password",
        {"pw-current": PASSWORD, "pw-password": "new password!", "pw-confirm": "new password!"},
    )
    assert right.status_code == 303
    assert max_.get("/projects").status_code == 200  # this browser stays logged in
    fresh = Browser(app)
    fresh.login("max", "new password!")
    assert fresh.logged_in


def test_people_are_for_admins(app: Flask, browser: Any, world: World) -> None:
    assert browser("mia").get("/settings/users").status_code == 403
    ada = browser("ada")
    page = text_of(ada.get("/settings/users"))
    assert "mia@example.com" in page and "otto@example.com" in page
    assert "Page 1 of" not in text_of(ada.get("/settings/users?q=otto"))
    only = text_of(ada.get("/settings/users?role=admin"))
    assert "ada" in only and "mia@example.com" not in only


def test_roles(app: Flask, browser: Any, world: World) -> None:
    ada = browser("ada")
    assert ada.post(f"/settings/users/{world.mia}/role", {"role": "admin"}).status_code == 303
    assert live(app, User, world.mia).role == Role.ADMIN.value
    assert ada.post(f"/settings/users/{world.mia}/role", {"role": "member"}).status_code == 303
    last = ada.post(f"/settings/users/{world.ada}/role", {"role": "member"})
    assert last.status_code == 409
    assert "ada is the only admin." in text_of(last)
    assert live(app, User, world.ada).role == Role.ADMIN.value
    assert ada.post(f"/settings/users/{world.mia}/role", {"role": "owner"}).status_code == 400


def test_the_last_admin_cannot_go(app: Flask, browser: Any, world: World) -> None:
    ada = browser("ada")
    assert ada.get("/settings/account/delete").status_code == 409
    assert ada.get(f"/settings/users/{world.ada}/delete").status_code == 409
    assert live(app, User, world.ada) is not None


def test_deleting_ones_own_account(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    page = max_.get("/settings/account/delete")
    assert "Delete account “max”?" in text_of(page)
    response = max_.confirm("/settings/account/delete", {"reason": "leaving"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert not max_.logged_in
    followed = max_.get("/login")
    assert "Deleted account “max”." in text_of(followed)
    assert undo_op(followed) is None  # logged out: an admin restores it
    assert live(app, User, world.max) is None

    ada = browser("ada")
    trash = ada.get("/trash")
    assert "User “max”" in text_of(trash)
    op = trash.text.split('id="tombstone-op-')[1].split('"')[0]
    assert ada.post(f"/trash/{op}/restore").status_code == 303
    back = Browser(app)
    back.login("max")
    assert back.logged_in


def test_admins_delete_people_with_undo(app: Flask, browser: Any, world: World) -> None:
    ada = browser("ada")
    response = ada.confirm(f"/settings/users/{world.otto}/delete")
    assert response.status_code == 409  # otto still owns Omega
    assert "still owns project “Omega”" in text_of(response)
    done = ada.confirm(f"/settings/users/{world.max}/delete", {"next": "/settings/users"})
    assert done.status_code == 303
    page = ada.get("/settings/users")
    assert "max@example.com" not in page.text
    op = undo_op(page)
    assert op is not None
    assert ada.post(f"/operations/{op}/undo").status_code == 303
    assert live(app, User, world.max) is not None


def test_a_username_freed_by_deletion_and_the_restore_conflict(
    app: Flask, browser: Any, world: World
) -> None:
    ada = browser("ada")
    assert ada.confirm(f"/settings/users/{world.max}/delete").status_code == 303
    op = undo_op(ada.get("/settings/users"))
    newcomer = Browser(app)
    registered = newcomer.post(
        "/register",
        {"username": "max", "email": "max@example.com", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert registered.status_code == 303
    refused = ada.post(f"/trash/{op}/restore")
    assert refused.status_code == 409
    text = text_of(refused)
    assert "The user “max” cannot come back: its username is now used by user “max”" in text
    assert "its email is now used by user “max”" in text


def test_a_new_password_easy_to_guess_is_refused(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    for weak in ("12345678", "password", "max12345"):
        response = max_.post(
            "/settings/password", {"pw-current": PASSWORD, "pw-password": weak, "pw-confirm": weak}
        )
        assert response.status_code == 422
        assert "This password is too easy to guess." in text_of(response)
    assert max_.get("/projects").status_code == 200  # nothing changed: still logged in
    again = Browser(app)
    again.login("max")  # the old password still works


def test_guessing_the_current_password_is_limited(make_app: Any, world: World) -> None:
    """A borrowed session cannot guess the password faster than the login form can: the
    same failures per account count here."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        TASKBOARD_LOGIN_LIMIT="1000 per minute",
        TASKBOARD_LOGIN_ACCOUNT_LIMIT="3 per minute",
    )
    max_ = Browser(app)
    max_.login("max")
    new = "a fresh pair of socks"
    for guess in ("guess one", "guess two", "guess three"):
        wrong = max_.post(
            "/settings/password", {"pw-current": guess, "pw-password": new, "pw-confirm": new}
        )
        assert wrong.status_code == 422
    right = max_.post(
        "/settings/password", {"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new}
    )
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    login = Browser(app)
    refused = login.client.post(
        "/login", data={"username": "max", "password": PASSWORD, "csrf_token": login.token()}
    )
    assert refused.status_code == 429  # one count per account, wherever the guesses come
