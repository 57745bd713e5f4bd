"""How a request may be written, on every route (HTML and API): ids in one spelling only, and
HTML pages that take forms, not JSON; and one answer (403 or 404) for one situation, HTML or
API alike (issue 10, item 3 and 7)."""

from __future__ import annotations

import pytest
from flask import Flask
from taskboard_support import Browser, World, live, text_of, undo_op
from werkzeug.exceptions import MethodNotAllowed, NotFound

from taskboard.auth import tokens
from taskboard.extensions import db
from taskboard.models import Item, User
from taskboard.security import parse_id


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


def spellings(ident: int) -> list[str]:
    """Other ways of writing ``ident`` that ``int()`` or werkzeug's ``int`` converter take."""
    digits = str(ident)
    return [
        f"0{digits}",
        f"00{digits}",
        f"+{digits}",
        "".join(chr(0xFF10 + int(d)) for d in digits),  # full width
        "".join(chr(0x0660 + int(d)) for d in digits),  # Arabic-Indic
        f"{digits}\u0661",  # an Arabic-Indic digit after ASCII ones
        f"{digits}.0",
        f"1_{digits}",
        f"%20{digits}",
    ]


def test_every_id_in_every_url_has_one_spelling(app: Flask) -> None:
    """Every rule with an ``<id:...>``, from the URL map (a route added later is covered), for
    each of its ids: the canonical spelling routes, any other does not (404, never a page of
    the row it spells)."""
    adapter = app.url_map.bind("localhost")
    # Taskboard's ids, and operation ids as Flask-Tombstone's views and API route them (rows
    # on the extension's routes are keys read by the view: tests/api/test_api_input.py).
    converters = ("<id:", "<tombstone_id:", "<tombstone_api_op:")
    rules = [r for r in app.url_map.iter_rules() if any(c in r.rule for c in converters)]
    assert len(rules) >= 20  # HTML and API: every row, operation, token and user route
    assert any(rule.rule.startswith("/api/") for rule in rules)
    for rule in rules:
        method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
        for argument in rule.arguments:
            values = dict.fromkeys(rule.arguments, 7) | {argument: 12}
            url = adapter.build(rule.endpoint, values)
            assert adapter.match(url, method)[0] == rule.endpoint, url
            for spelling in spellings(12):
                other = url.replace("/12", f"/{spelling}", 1)
                try:
                    endpoint, _ = adapter.match(other, method)
                except (NotFound, MethodNotAllowed):
                    continue
                assert endpoint != rule.endpoint, other  # another rule's text, at most


def test_a_zero_padded_operation_is_not_restored(app: Flask, world: World) -> None:
    """The audit's case: ``/operations/01/undo`` and the API's ``/operations/01/restore``
    restored operation 1."""
    mia = Browser(app)
    mia.login("mia")
    assert mia.confirm(f"/items/{world.max_item}/delete").status_code == 303
    op = undo_op(mia.get("/projects"))
    assert op is not None
    with app.app_context():
        secret = tokens.issue(db.session.get_one(User, world.mia), "tests").secret
        db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    for spelling in spellings(op):
        assert mia.post(f"/operations/{spelling}/undo").status_code == 404
        assert mia.post(f"/trash/{spelling}/restore").status_code == 404
        api = app.test_client().post(f"/api/operations/{spelling}/restore", headers=bearer)
        assert api.status_code == 404
        assert api.mimetype == "application/problem+json"
    assert live(app, Item, world.max_item) is None  # still in the trash
    assert mia.post(f"/operations/{op}/undo").status_code == 303
    assert live(app, Item, world.max_item) is not None


@pytest.mark.parametrize(
    "value", ["01", "+1", " 1", "1 ", "\uff11", "\u0661", "\u00b2", "1.0", "1e0", "", "0"]
)
def test_ids_in_forms_and_queries_have_one_spelling(value: str) -> None:
    assert parse_id("1") == 1 and parse_id(str(2**31 - 1)) == 2**31 - 1
    assert parse_id(value) is None
    assert parse_id(str(2**31)) is None


@pytest.mark.parametrize("value", ["01", "\uff11", "\u00b2"])
def test_a_query_id_in_another_spelling_filters_nothing_it_should_not(
    app: Flask, world: World, value: str
) -> None:
    """``?project=01`` is not project 1 (``²`` was a 500: ``isdigit`` said yes, ``int`` no)."""
    ada = Browser(app)
    ada.login("ada")
    for url in (f"/items?project={value}", f"/operations?project={value}", f"/items?page={value}"):
        assert ada.get(url).status_code == 200, url
    response = ada.get(f"/items/bulk-delete?ids={value}")
    assert response.status_code == 422
    assert live(app, Item, world.alpha_item) is not None


# -- HTML pages take forms ---------------------------------------------------------------------
JSON_BODIES = [
    "[1, 2]",
    '"text"',
    '{"name": {"a": 1}}',
    '{"name": ' + "[" * 5000 + "]" * 5000 + "}",
]


def html_posts(app: Flask, world: World) -> list[str]:
    values = {
        "slug": "items",  # the extension's deletion pages: /<slug>/<key>/delete, bulk
        "key": world.alpha_item,
        "project_id": world.alpha,
        "item_id": world.alpha_item,
        "comment_id": world.alpha_comment,
        "tag_id": world.alpha_tag,
        "user_id": world.max,
        "op_id": 1,
        "token_id": 1,
    }
    adapter = app.url_map.bind("localhost")
    urls = [
        adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and not rule.rule.startswith("/api/")
    ]
    assert len(urls) >= 25
    return urls


@pytest.mark.parametrize("body", JSON_BODIES)
def test_html_pages_refuse_json_bodies(app: Flask, world: World, body: str) -> None:
    """Flask-WTF would read a JSON body into the form: a list or a string was a 500, an object
    in a field saved as text, deep nesting a RecursionError. Every HTML POST: 415."""
    mia = Browser(app)
    mia.login("mia")
    name = live(app, Item, world.alpha_item).name
    for url in html_posts(app, world):
        response = mia.client.post(
            url,
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": mia.token(), "Accept": "application/json"},
        )
        assert response.status_code == 415, (url, response.status_code)
        assert response.mimetype == "application/problem+json"
    assert live(app, Item, world.alpha_item).name == name
    anonymous = Browser(app).client.post("/login", data=body, content_type="application/json")
    assert anonymous.status_code in (400, 415)  # the CSRF check may come first


# -- one answer for one situation ----------------------------------------------------------------
def test_an_operation_one_sees_but_may_not_act_on_is_403_in_html_and_api(
    app: Flask, world: World
) -> None:
    """max reads mia's deletion in Alpha's log but may not restore it (not his, not his
    project), nor purge it (admins only): 403, on the pages and over the API. otto, of another
    team, does not see it: 404 on both."""
    mia = Browser(app)
    mia.login("mia")
    assert mia.confirm(f"/items/{world.alpha_item}/delete").status_code == 303
    op = undo_op(mia.get("/projects"))
    assert op is not None

    def token(user_id: int) -> dict[str, str]:
        with app.app_context():
            secret = tokens.issue(db.session.get_one(User, user_id), "tests").secret
            db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    for who, status in (("max", 403), ("otto", 404)):
        person = Browser(app)
        person.login(who)
        api = app.test_client()
        bearer = token(getattr(world, who))
        seen = f'id="tombstone-log-{op}"' in person.get("/operations").text
        assert seen is (status == 403)
        assert person.post(f"/operations/{op}/undo").status_code == status
        assert person.post(f"/trash/{op}/restore").status_code == status
        assert person.post(f"/trash/{op}/purge", {"reason": "x"}).status_code == status
        assert person.post(f"/trash/{op}/purge", {"reason": ""}).status_code == status
        restore = api.post(f"/api/operations/{op}/restore", headers=bearer)
        purge = api.post(f"/api/operations/{op}/purge", headers=bearer, json={"reason": "x"})
        assert (restore.status_code, purge.status_code) == (status, status)
    # mia, the owner, restores it but may not purge it: 403 both ways, nothing purged.
    assert mia.post(f"/trash/{op}/purge", {"reason": "x"}).status_code == 403
    refused = app.test_client().post(
        f"/api/operations/{op}/purge", headers=token(world.mia), json={"reason": "x"}
    )
    assert refused.status_code == 403
    assert "not purge" in text_of(mia.post(f"/trash/{op}/purge", {"reason": "x"}))
    assert live(app, Item, world.alpha_item) is None
    assert mia.post(f"/trash/{op}/restore").status_code == 303
    assert live(app, Item, world.alpha_item) is not None
