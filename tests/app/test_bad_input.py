"""Whatever is typed into the address bar or a form, the answer is never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taskboard_support import Browser, build_world

from taskboard.extensions import db

ROUTES = [
    "/projects?q={v}&role={v}&page={v}",
    "/items?q={v}&project={v}&status={v}&assignee={v}&tag={v}&page={v}",
    "/items/bulk-delete?ids={v}",
    "/items/bulk-delete?all=1&status={v}&project={v}",
    "/operations?kind={v}&model={v}&actor={v}&project={v}&page={v}",
    "/trash?model={v}&page={v}",
    "/settings/users?q={v}&role={v}",
    "/login?next={v}",
    "/items/{v}",
    "/projects/{v}/delete",
]
POSTS = [
    ("/items/bulk-delete", "ids"),
    ("/items/bulk-delete", "token"),
    ("/items/{item}/delete", "token"),
    ("/items/{item}/delete", "reason"),
    ("/items/{item}/delete", "next"),
    ("/items/{item}/edit", "due"),
    ("/items/{item}/edit", "assignee"),
    ("/trash/1/restore", "with_parents"),
    ("/projects/{project}/transfer", "owner"),
    ("/projects/{project}/members", "username"),
    ("/login", "next"),
]
values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["%00", "%FF", "1e9", "0x1", "..", "//evil", "1;DROP TABLE item", "☃"]),
)


@pytest.fixture
def ada(make_app: Any) -> Browser:
    app: Flask = make_app()
    with app.app_context():
        build_world()
        db.session.remove()
    person = Browser(app)
    person.login("ada")
    return person


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values, route=st.sampled_from(ROUTES))
def test_gets_never_fail(ada: Browser, db_kind: str, value: str, route: str) -> None:
    from urllib.parse import quote

    response = ada.get(route.format(v=quote(value, safe="")))
    assert response.status_code < 500, (route, value, response.status_code)


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values, post=st.sampled_from(POSTS))
def test_posts_never_fail(ada: Browser, db_kind: str, value: str, post: tuple[str, str]) -> None:
    url, field = post
    response = ada.post(url.format(item=1, project=1), {field: value, "name": "x"})
    assert response.status_code < 500, (url, field, value, response.status_code)


@pytest.mark.servers
@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=False)
@pytest.mark.parametrize("route", ROUTES)
def test_a_nul_byte_is_never_a_server_error_on_postgresql(
    ada: Browser, db_kind: str, route: str
) -> None:
    """PostgreSQL refuses NUL in any text value: a NUL typed anywhere is a 4xx, not a 500."""
    response = ada.get(route.format(v="a%00b"))
    assert response.status_code < 500, (route, response.status_code)


@pytest.mark.servers
@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=False)
@pytest.mark.parametrize("post", POSTS)
def test_a_nul_byte_posted_is_never_a_server_error_on_postgresql(
    ada: Browser, db_kind: str, post: tuple[str, str]
) -> None:
    url, field = post
    response = ada.post(url.format(item=1, project=1), {field: "a\x00b", "name": "x"})
    assert response.status_code < 500, (url, field, response.status_code)
