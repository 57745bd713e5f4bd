"""Authorization and CSRF: the IDOR matrix (another team's rows answer 404 on every route,
and nothing changes), CSRF refusals (no token, no change), visible-but-forbidden (403)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from taskboard_support import Browser, World, live, text_of

from taskboard.models import Comment, Item, Project, Tag, User

# (method, url template) of every route that takes another team's row in its URL.
OTHER_TEAM_ROUTES = [
    ("GET", "/projects/{omega}"),
    ("GET", "/projects/{omega}/edit"),
    ("POST", "/projects/{omega}/edit"),
    ("POST", "/projects/{omega}/members"),
    ("POST", "/projects/{omega}/members/{otto}/remove"),
    ("POST", "/projects/{omega}/transfer"),
    ("GET", "/projects/{omega}/delete"),
    ("POST", "/projects/{omega}/delete"),
    ("GET", "/projects/{omega}/items/new"),
    ("POST", "/projects/{omega}/items/new"),
    ("GET", "/projects/{omega}/tags"),
    ("POST", "/projects/{omega}/tags"),
    ("GET", "/items/{omega_item}"),
    ("GET", "/items/{omega_item}/edit"),
    ("POST", "/items/{omega_item}/edit"),
    ("GET", "/items/{omega_item}/delete"),
    ("POST", "/items/{omega_item}/delete"),
    ("POST", "/items/{omega_item}/comments"),
    ("GET", "/comments/{omega_comment}/edit"),
    ("POST", "/comments/{omega_comment}/edit"),
    ("GET", "/comments/{omega_comment}/delete"),
    ("POST", "/comments/{omega_comment}/delete"),
    ("GET", "/tags/{omega_tag}/edit"),
    ("POST", "/tags/{omega_tag}/edit"),
    ("GET", "/tags/{omega_tag}/delete"),
    ("POST", "/tags/{omega_tag}/delete"),
    ("GET", "/settings/users/{otto}/delete"),
    ("POST", "/settings/users/{otto}/delete"),
    ("POST", "/settings/users/{otto}/role"),
]
# Plausible form data, so that a route that did not check scope would act on it.
FORM = {
    "name": "hijacked",
    "body": "hijacked",
    "username": "mia",
    "owner": "1",
    "reason": "hijack",
    "role": "admin",
    "status": "done",
    "assignee": "0",
}


def snapshot(app: Flask, world: World) -> dict[str, Any]:
    """What the other team has, as it would be seen by anyone."""
    project = live(app, Project, world.omega)
    item = live(app, Item, world.omega_item)
    comment = live(app, Comment, world.omega_comment)
    tag = live(app, Tag, world.omega_tag)
    otto = live(app, User, world.otto)
    return {
        "project": (project.name, project.owner_id) if project else None,
        "item": (item.name, item.status) if item else None,
        "comment": comment.body if comment else None,
        "tag": tag.name if tag else None,
        "otto": (otto.role,) if otto else None,
    }


@pytest.mark.parametrize("method,route", OTHER_TEAM_ROUTES)
@pytest.mark.parametrize("who", ["mia", "max"])
def test_another_teams_rows_are_not_found(
    app: Flask, browser: Any, world: World, who: str, method: str, route: str
) -> None:
    before = snapshot(app, world)
    person = browser(who)
    url = route.format(**vars(world))
    if method == "GET":
        response = person.get(url)
    else:
        response = person.post(url, FORM | {"token": "anything"})
    assert response.status_code == 404, (who, method, url, response.status_code)
    assert "nothing here" in response.text
    assert snapshot(app, world) == before


@pytest.mark.parametrize(
    "route",
    [
        "/projects/{omega}/delete",
        "/items/{omega_item}/delete",
        "/comments/{omega_comment}/delete",
        "/tags/{omega_tag}/delete",
    ],
)
def test_the_matrix_has_a_positive_control(
    app: Flask, browser: Any, world: World, route: str
) -> None:
    """The same routes work for the rows' own team, so the 404s above mean scope."""
    assert browser("otto").get(route.format(**vars(world))).status_code == 200
    assert browser("ada").get(route.format(**vars(world))).status_code == 200


def test_bulk_delete_of_another_teams_ids_finds_nothing(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    assert mia.get(f"/items/bulk-delete?ids={world.omega_item}").status_code == 404
    response = mia.post("/items/bulk-delete", {"ids": [str(world.omega_item)], "token": "x"})
    assert response.status_code == 404
    assert live(app, Item, world.omega_item) is not None


def test_bulk_delete_mixing_teams_only_takes_ones_own(
    app: Flask, browser: Any, world: World
) -> None:
    mia = browser("mia")
    url = f"/items/bulk-delete?ids={world.alpha_item}&ids={world.omega_item}"
    page = mia.get(url)
    assert page.status_code == 200
    assert "1 of the 2 selected items is not here any more" in text_of(page)
    assert mia.confirm(url).status_code == 303
    assert live(app, Item, world.alpha_item) is None
    assert live(app, Item, world.omega_item) is not None


def test_another_teams_deletion_cannot_be_undone_restored_or_purged(
    app: Flask, browser: Any, world: World
) -> None:
    otto = browser("otto")
    assert otto.confirm(f"/items/{world.omega_item}/delete").status_code == 303
    from taskboard_support import undo_op

    op = undo_op(otto.get("/projects"))
    assert op is not None
    for who in ("mia", "max"):
        person = browser(who)
        assert person.post(f"/operations/{op}/undo").status_code == 404
        assert person.post(f"/trash/{op}/restore").status_code == 404
        assert person.post(f"/trash/{op}/purge", {"reason": "x"}).status_code == 404
        assert f"op-{op}" not in person.get("/trash").text
        assert f"log-{op}" not in person.get("/operations").text
    assert live(app, Item, world.omega_item) is None  # still in the trash, untouched
    assert f"op-{op}" in otto.get("/trash").text


# -- visible, but not allowed: 403 -----------------------------------------------------------
@pytest.mark.parametrize(
    "method,route",
    [
        ("GET", "/projects/{alpha}/edit"),
        ("POST", "/projects/{alpha}/edit"),
        ("GET", "/projects/{alpha}/delete"),
        ("POST", "/projects/{alpha}/delete"),
        ("POST", "/projects/{alpha}/members"),
        ("POST", "/projects/{alpha}/transfer"),
        ("GET", "/items/{alpha_item}/delete"),
        ("POST", "/items/{alpha_item}/delete"),
        ("GET", "/settings/users"),
    ],
)
def test_a_member_sees_but_may_not(
    app: Flask, browser: Any, world: World, method: str, route: str
) -> None:
    max_ = browser("max")
    url = route.format(**vars(world))
    response = max_.get(url) if method == "GET" else max_.post(url, FORM)
    assert response.status_code == 403
    assert live(app, Project, world.alpha).name == "Alpha"
    assert live(app, Item, world.alpha_item) is not None


def test_comment_rules(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")  # the project owner, not the author
    assert mia.get(f"/comments/{world.alpha_comment}/edit").status_code == 403
    assert mia.get(f"/comments/{world.alpha_comment}/delete").status_code == 200
    max_ = browser("max")  # the author
    assert max_.get(f"/comments/{world.alpha_comment}/edit").status_code == 200


# -- CSRF ------------------------------------------------------------------------------------
CSRF_ROUTES = [
    "/logout",
    "/projects/new",
    "/projects/{alpha}/edit",
    "/projects/{alpha}/members",
    "/projects/{alpha}/members/{max}/remove",
    "/projects/{alpha}/transfer",
    "/projects/{alpha}/delete",
    "/projects/{alpha}/items/new",
    "/projects/{alpha}/tags",
    "/items/{alpha_item}/edit",
    "/items/{alpha_item}/delete",
    "/items/{alpha_item}/comments",
    "/items/bulk-delete",
    "/comments/{alpha_comment}/delete",
    "/tags/{alpha_tag}/edit",
    "/tags/{alpha_tag}/delete",
    "/settings",
    "/settings/password",
    "/settings/account/delete",
    "/settings/users/{max}/role",
    "/settings/users/{max}/delete",
    "/operations/1/undo",
    "/trash/1/restore",
    "/trash/1/purge",
]


def state(app: Flask, world: World) -> tuple[Any, ...]:
    project = live(app, Project, world.alpha)
    item = live(app, Item, world.alpha_item)
    with app.app_context():
        from sqlalchemy import func, select

        from taskboard.extensions import db

        counts = tuple(
            db.session.scalar(
                select(func.count()).select_from(m).execution_options(include_deleted=True)
            )
            for m in (Project, Item, Comment, Tag, User)
        )
        alpha = db.session.get(Project, world.alpha)
        assert alpha is not None
        members = tuple(u.username for u in alpha.members)
    return (
        project.name if project else None,
        item.name if item else None,
        live(app, Comment, world.alpha_comment) is not None,
        live(app, Tag, world.alpha_tag) is not None,
        live(app, User, world.max) is not None,
        counts,
        members,
    )


@pytest.mark.parametrize("route", CSRF_ROUTES)
def test_posts_without_a_csrf_token_are_refused_and_change_nothing(
    app: Flask, browser: Any, world: World, route: str
) -> None:
    ada = browser("ada")  # allowed to do everything: only the token is missing
    before = state(app, world)
    url = route.format(**vars(world))
    data = FORM | {"ids": [str(world.alpha_item)], "all": "", "body": "x", "email": "a@b.io"}
    response = ada.post(url, data, csrf=False)
    assert response.status_code == 400, (url, response.status_code)
    assert "security token" in response.text
    assert state(app, world) == before
    assert ada.logged_in


def test_a_forged_token_is_refused(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    response = mia.post(f"/items/{world.alpha_item}/delete", {"csrf_token": "forged"}, csrf=False)
    assert response.status_code == 400
    response = mia.post(
        f"/items/{world.alpha_item}/delete",
        csrf=False,
        headers={"HX-Request": "true", "X-CSRFToken": "forged"},
    )
    assert response.status_code == 400
    assert live(app, Item, world.alpha_item) is not None


def test_another_sessions_token_is_refused(app: Flask, browser: Any, world: World) -> None:
    mia, max_ = browser("mia"), browser("max")
    response = mia.post(
        f"/items/{world.alpha_item}/delete", {"csrf_token": max_.token()}, csrf=False
    )
    assert response.status_code == 400
    assert live(app, Item, world.alpha_item) is not None


def test_htmx_carries_the_token_in_a_header(app: Flask, browser: Any, world: World) -> None:
    mia: Browser = browser("mia")
    page = mia.get(f"/items/{world.alpha_item}/delete", headers={"HX-Request": "true"})
    from taskboard_support import HIDDEN

    token = dict(HIDDEN.findall(page.text))["token"]
    response = mia.post(f"/items/{world.alpha_item}/delete", {"token": token}, htmx=True)
    assert response.status_code == 303  # htmx follows it to the list, with the notice
    assert live(app, Item, world.alpha_item) is None


# -- client addresses behind proxies (issue 10, item 6) --------------------------------------
def login_statuses(app: Flask, forwarded: list[str], address: str = "192.0.2.10") -> list[int]:
    """Failed logins, each from a new visitor connecting from ``address`` and sending one of
    the ``X-Forwarded-For`` values (each against a different name: only the per-address limit
    is at play)."""
    statuses = []
    for n, header in enumerate(forwarded):
        person = Browser(app)
        statuses.append(
            person.client.post(
                "/login",
                data={"username": f"nobody{n}", "password": "x", "csrf_token": person.token()},
                headers={"X-Forwarded-For": header},
                environ_base={"REMOTE_ADDR": address},
            ).status_code
        )
    return statuses


def test_forwarded_for_is_not_believed_without_a_proxy(make_app: Any) -> None:
    app = make_app(RATELIMIT_ENABLED=True, TASKBOARD_LOGIN_LIMIT="2 per minute")
    assert app.config["TASKBOARD_PROXY_COUNT"] == 0  # the default
    forged = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    assert login_statuses(app, forged) == [422, 422, 429]  # one budget: the connection's


def test_behind_one_proxy_the_right_most_address_counts(make_app: Any) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True, TASKBOARD_LOGIN_LIMIT="2 per minute", TASKBOARD_PROXY_COUNT=1
    )
    # What the client wrote (left) changes nothing; what the proxy appended (right) does.
    same_client = ["198.51.100.1, 203.0.113.7", "198.51.100.2, 203.0.113.7", "203.0.113.7"]
    assert login_statuses(app, same_client) == [422, 422, 429]
    assert login_statuses(app, ["203.0.113.8"]) == [422]  # another client, its own budget


def test_behind_two_proxies_the_second_address_from_the_right_counts(make_app: Any) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True, TASKBOARD_LOGIN_LIMIT="1 per minute", TASKBOARD_PROXY_COUNT=2
    )
    assert login_statuses(app, ["1.1.1.1, 203.0.113.7, 10.0.0.2"]) == [422]
    assert login_statuses(app, ["2.2.2.2, 203.0.113.7, 10.0.0.3"]) == [429]
    assert login_statuses(app, ["203.0.113.9, 10.0.0.2"]) == [422]


@pytest.mark.parametrize("count", [-1, "1", True, 1.5])
def test_a_proxy_count_must_be_a_whole_number(make_app: Any, count: Any) -> None:
    with pytest.raises(ValueError, match="TASKBOARD_PROXY_COUNT"):
        make_app(TASKBOARD_PROXY_COUNT=count)


@pytest.mark.parametrize("count,seen", [(None, "10.0.0.1"), ("1", "203.0.113.9")])
def test_the_wsgi_entry_point_believes_proxies_only_when_told(
    tmp_path: Path, count: str | None, seen: str
) -> None:
    """The production entry point: without ``TASKBOARD_PROXY_COUNT`` a forged
    ``X-Forwarded-For`` is not the client's address."""
    environment = {k: v for k, v in os.environ.items() if k != "TASKBOARD_PROXY_COUNT"} | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.sqlite'}",
        "SECRET_KEY": "from-the-environment",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if count is not None:
        environment["TASKBOARD_PROXY_COUNT"] = count
    script = (
        "from flask import request\n"
        "from taskboard.wsgi import app\n"
        "app.add_url_rule('/address', 'address', lambda: request.remote_addr)\n"
        "response = app.test_client().get('/address', headers={'X-Forwarded-For': "
        "'203.0.113.9'}, environ_base={'REMOTE_ADDR': '10.0.0.1'})\n"
        "print(response.text)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.split() == [seen]
