"""The extension's views and API mounted in the tutorial's app for a team
(``examples/tutorial/team.py``), on every database: the IDOR matrix, CSRF refusals and
schemathesis, on an app that is not Taskboard.

The matrix takes mia's things as the targets (her live item, her trashed item, her deletion)
and a row and an operation that do not exist; the actors are mia (the **owner**: her own rows),
max (**another user**: someone else's rows), ada (an **admin**: sees everyone's, deletes and
undoes only her own, alone purges) and **anonymous**. Every view and endpoint, in every cell:
``404`` for what the actor may not see, ``403`` for what they see but may not do, the sign-in
redirect (views) or ``401`` (API) for anonymous, and nothing written but by the one allowed
cell of each route."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from .examples import TOKEN, csrf, load, unload

pytest.importorskip("flask_login")  # team.py signs people in with Flask-Login

PEOPLE = {"mia": False, "max": False, "ada": True}  # name: admin
ACTORS = {"owner": "mia", "other": "max", "admin": "ada", "anonymous": None}
MISSING = 999_999
SIGN_IN = "sign-in"  # the views' answer to anonymous: a redirect to the login page


@dataclass
class Team:
    module: ModuleType
    row: int = 0  # mia's live item
    trashed: int = 0  # mia's item in the trash
    op: int = 0  # the deletion that trashed it
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def app(self) -> Flask:
        app: Flask = self.module.app
        return app

    def person(self, actor: str) -> Person:
        if actor not in self.people:
            self.people[actor] = Person(self.app, ACTORS[actor])
        return self.people[actor]

    def snapshot(self) -> list[Any]:
        """Every item's deletion stamp and every operation: equal before and after a refused
        request means it wrote nothing."""
        m = self.module
        with self.app.app_context():
            items = m.db.select(m.Item.id, m.Item.deleted_at).execution_options(
                include_deleted=True
            )
            ops = m.db.select(m.Operation.id, m.Operation.kind)
            return [*m.db.session.execute(items), *m.db.session.execute(ops)]

    def item(self, item_id: int) -> Any:
        """``None`` (gone for good), ``"live"`` or ``"trashed"``."""
        m = self.module
        with self.app.app_context():
            query = m.db.select(m.Item.deleted_at).where(m.Item.id == item_id)
            found = m.db.session.execute(query.execution_options(include_deleted=True)).first()
            if found is None:
                return None
            return "live" if found[0] is None else "trashed"


class Person:
    """A browser signed in through the login form (a session cookie), and the same person's
    API token; ``name=None`` is nobody."""

    def __init__(self, app: Flask, name: str | None) -> None:
        self.name = name
        self.client = app.test_client()
        self.api = {"Authorization": f"Bearer tok-{name}"} if name else {}
        if name:
            form = {"csrf_token": self.csrf(), "name": name, "password": f"pw-{name}"}
            signed_in = self.client.post("/login", data=form)
            assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"

    def csrf(self) -> str:
        return csrf(self.client.get("/login").get_data(as_text=True))

    def confirmed(self, url: str, **form: str) -> Any:
        """POST ``url`` as its confirmation page would (the page's confirm token, if it
        offers one)."""
        found = TOKEN.search(self.client.get(url).get_data(as_text=True))
        data = {"csrf_token": self.csrf(), "token": found.group(1) if found else "x"} | form
        return self.client.post(url, data=data)


@pytest.fixture
def team(
    db_kind: str, server_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Team]:
    module = load("team", server_urls[db_kind], monkeypatch)
    module.app.config["TESTING"] = True
    team = Team(module)
    m = module
    with m.app.app_context():
        m.db.drop_all()
        m.db.create_all()
        users = {
            name: m.User(
                name=name,
                password=generate_password_hash(f"pw-{name}", method="pbkdf2:sha256:1"),
                token_hash=m.digest(f"tok-{name}"),
                admin=admin,
            )
            for name, admin in PEOPLE.items()
        }
        m.db.session.add_all(users.values())
        m.db.session.flush()
        for name, user in users.items():
            live = m.Item(name=f"{name} item", owner_id=user.id)
            old = m.Item(name=f"{name} old item", owner_id=user.id)
            m.db.session.add_all([live, old])
            m.db.session.flush()
            op = m.tombstone.delete(old, actor=user)
            if name == "mia":
                team.row, team.trashed, team.op = live.id, old.id, op.id
        m.db.session.commit()
    yield team
    unload(module)


# -- the matrix ------------------------------------------------------------------------------
Call = Callable[[Person, int], Any]


@dataclass
class Route:
    name: str
    call: Call
    targets: tuple[str, ...]  # of "row", "trashed", "missing", "op"
    expected: dict[str, tuple[Any, ...]]  # {actor: one answer per target}
    allowed: tuple[str, str] | None = None  # the one cell that does its work: (actor, target)
    effect: tuple[str, Any] | None = None  # then: (mia's "row" or "trashed" item, its state)


ROWS, OPS = ("row", "trashed", "missing"), ("op", "missing")


def api_call(method: str, path: str, body: Callable[[int], Any] | None = None) -> Call:
    """A request to ``/api/<path>`` with the person's token; ``body(key)`` its JSON."""

    def call(person: Person, key: int) -> Any:
        extra = {} if body is None else {"json": body(key)}
        url = "/api/" + path.format(key=key)
        return person.client.open(url, method=method, headers=person.api, **extra)

    return call


ROUTES = [
    # the views (a session cookie)
    Route(
        "confirm-page",
        lambda p, key: p.client.get(f"/item/{key}/delete"),
        ROWS,
        {
            "owner": (200, 410, 404),
            "other": (404, 404, 404),
            "admin": (403, 410, 404),
            "anonymous": (SIGN_IN,) * 3,
        },
    ),
    Route(
        "confirm-post",
        lambda p, key: p.confirmed(f"/item/{key}/delete"),
        ROWS,
        {
            "owner": (303, 410, 404),
            "other": (404, 404, 404),
            "admin": (403, 410, 404),
            "anonymous": (SIGN_IN,) * 3,
        },
        allowed=("owner", "row"),
        effect=("row", "trashed"),
    ),
    Route(
        "bulk-page",
        lambda p, key: p.client.get(f"/item/bulk-delete?ids={key}"),
        ROWS,
        {
            "owner": (200, 404, 404),
            "other": (404, 404, 404),
            "admin": (200, 404, 404),  # seen, so named as a blocker; nothing to confirm
            "anonymous": (SIGN_IN,) * 3,
        },
    ),
    Route(
        "bulk-post",
        lambda p, key: p.confirmed(f"/item/bulk-delete?ids={key}"),
        ROWS,
        {
            "owner": (303, 404, 404),
            "other": (404, 404, 404),
            "admin": (409, 404, 404),
            "anonymous": (SIGN_IN,) * 3,
        },
        allowed=("owner", "row"),
        effect=("row", "trashed"),
    ),
    Route(
        "undo",
        lambda p, key: p.client.post(f"/operations/{key}/undo", data={"csrf_token": p.csrf()}),
        OPS,
        {
            "owner": (303, 404),
            "other": (404, 404),
            "admin": (403, 404),
            "anonymous": (SIGN_IN, SIGN_IN),
        },
        allowed=("owner", "op"),
        effect=("trashed", "live"),
    ),
    Route(
        "restore",
        lambda p, key: p.client.post(f"/trash/{key}/restore", data={"csrf_token": p.csrf()}),
        OPS,
        {
            "owner": (303, 404),
            "other": (404, 404),
            "admin": (403, 404),
            "anonymous": (SIGN_IN, SIGN_IN),
        },
        allowed=("owner", "op"),
        effect=("trashed", "live"),
    ),
    Route(
        "purge",
        lambda p, key: p.client.post(
            f"/trash/{key}/purge", data={"csrf_token": p.csrf(), "reason": "gdpr"}
        ),
        OPS,
        {
            "owner": (403, 404),
            "other": (404, 404),
            "admin": (303, 404),
            "anonymous": (SIGN_IN, SIGN_IN),
        },
        allowed=("admin", "op"),
        effect=("trashed", None),
    ),
    # the API (a bearer token)
    Route(
        "api-delete",
        api_call("DELETE", "item/{key}"),
        ROWS,
        {
            "owner": (204, 404, 404),  # the API has no trashed state: not live, not there
            "other": (404, 404, 404),
            "admin": (403, 404, 404),
            "anonymous": (401,) * 3,
        },
        allowed=("owner", "row"),
        effect=("row", "trashed"),
    ),
    Route(
        "api-preview",
        api_call("GET", "item/{key}/deletion-preview"),
        ROWS,
        {
            "owner": (200, 404, 404),
            "other": (404, 404, 404),
            "admin": (403, 404, 404),
            "anonymous": (401,) * 3,
        },
    ),
    Route(
        "api-bulk-delete",
        api_call("POST", "item/bulk-delete", lambda key: {"ids": [key]}),
        ROWS,
        {
            "owner": (200, 404, 404),
            "other": (404, 404, 404),
            "admin": (409, 404, 404),  # blocked: "forbidden", naming the row she sees
            "anonymous": (401,) * 3,
        },
        allowed=("owner", "row"),
        effect=("row", "trashed"),
    ),
    Route(
        "api-restore",
        api_call("POST", "operations/{key}/restore"),
        OPS,
        {
            "owner": (200, 404),
            "other": (404, 404),
            "admin": (403, 404),
            "anonymous": (401, 401),
        },
        allowed=("owner", "op"),
        effect=("trashed", "live"),
    ),
    Route(
        "api-purge",
        api_call("POST", "operations/{key}/purge", lambda key: {"reason": "gdpr"}),
        OPS,
        {
            "owner": (403, 404),
            "other": (404, 404),
            "admin": (200, 404),
            "anonymous": (401, 401),
        },
        allowed=("admin", "op"),
        effect=("trashed", None),
    ),
]


def key_of(team: Team, target: str) -> int:
    return {"row": team.row, "trashed": team.trashed, "op": team.op}.get(target, MISSING)


def check(answer: Any, expected: Any, cell: tuple[str, str, str]) -> None:
    if expected == SIGN_IN:
        assert answer.status_code == 302, (cell, answer.status_code)
        assert answer.headers["Location"].startswith("/login?next="), cell
        return
    assert answer.status_code == expected, (cell, answer.status_code, answer.get_data(as_text=True))
    if cell[0].startswith("api-") and expected >= 400:
        assert answer.mimetype == "application/problem+json", cell
        assert "mia" not in answer.get_data(as_text=True) or expected == 409, cell
        if expected == 401:
            assert answer.headers["WWW-Authenticate"] == "Bearer", cell


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_idor_matrix(team: Team, route: Route) -> None:
    cells = [
        (actor, target, answer)
        for actor, answers in route.expected.items()
        for target, answer in zip(route.targets, answers, strict=True)
    ]
    assert len(cells) == 4 * len(route.targets)
    before = team.snapshot()
    for actor, target, answer in cells:
        if (actor, target) == route.allowed:
            continue
        got = route.call(team.person(actor), key_of(team, target))
        check(got, answer, (route.name, actor, target))
        assert team.snapshot() == before, (route.name, actor, target)
    if route.allowed is None:
        return
    actor, target = route.allowed
    answer = route.expected[actor][route.targets.index(target)]
    check(
        route.call(team.person(actor), key_of(team, target)), answer, (route.name, *route.allowed)
    )
    assert route.effect is not None
    which, state = route.effect
    assert team.item(key_of(team, which)) == state


def test_admins_see_a_row_they_may_not_delete_named_as_the_blocker(team: Team) -> None:
    ada = team.person("admin")
    page = ada.client.get(f"/item/bulk-delete?ids={team.row}").get_data(as_text=True)
    assert "You may not delete item “mia item”." in page and 'name="token"' not in page
    blocked = ada.client.post(
        "/api/item/bulk-delete", json={"ids": [team.row]}, headers=ada.api
    ).json
    assert [b["reason"] for b in blocked["blockers"]] == ["forbidden"]


def test_the_trash_and_the_log_show_each_person_what_is_theirs(team: Team) -> None:
    purge = f'action="/trash/{team.op}/purge"'
    for actor, sees, purges in (
        ("owner", True, False),
        ("other", False, False),
        ("admin", True, True),
    ):
        person = team.person(actor)
        trash = person.client.get("/trash").get_data(as_text=True)
        log = person.client.get("/operations").get_data(as_text=True)
        assert ("mia old item" in trash) is sees, actor
        assert ("mia old item" in log) is sees, actor
        assert (purge in trash) is purges, actor
        for path in ("trash", "operations"):
            listed = person.client.get(f"/api/{path}", headers=person.api).json["items"]
            assert (team.op in [op["id"] for op in listed]) is sees, (actor, path)
    nobody = team.person("anonymous")
    for path in ("/trash", "/operations", "/"):
        assert nobody.client.get(path).headers["Location"].startswith("/login?next="), path
    for path in ("/api/trash", "/api/operations"):
        assert nobody.client.get(path).status_code == 401, path


def test_the_cookie_is_no_api_credential_nor_the_token_a_session(team: Team) -> None:
    """A signed-in browser calling the API (what another site could make it do) is nobody
    there; a bearer token on the pages is nobody there either."""
    mia = team.person("owner")
    before = team.snapshot()
    assert mia.client.delete(f"/api/item/{team.row}").status_code == 401
    assert mia.client.post(f"/api/operations/{team.op}/restore").status_code == 401
    stranger = team.app.test_client()
    answer = stranger.get(f"/item/{team.row}/delete", headers=mia.api)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert team.snapshot() == before


# -- CSRF ------------------------------------------------------------------------------------
@pytest.fixture(params=["flask-wtf", "own"])
def csrf_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The views' two CSRF tokens: Flask-WTF's when it is installed, else their own."""
    if request.param == "own":
        monkeypatch.setitem(sys.modules, "flask_wtf.csrf", None)  # import fails: not installed
    else:
        pytest.importorskip("flask_wtf")
    return str(request.param)


@dataclass
class Post:
    name: str
    actor: str
    url: Callable[[Team], str]
    form: dict[str, str]
    confirm: bool  # the form carries the confirmation page's token
    effect: tuple[str, Any]


POSTS = [
    Post("confirm", "owner", lambda t: f"/item/{t.row}/delete", {}, True, ("row", "trashed")),
    Post("bulk", "owner", lambda t: f"/item/bulk-delete?ids={t.row}", {}, True, ("row", "trashed")),
    Post("undo", "owner", lambda t: f"/operations/{t.op}/undo", {}, False, ("trashed", "live")),
    Post("restore", "owner", lambda t: f"/trash/{t.op}/restore", {}, False, ("trashed", "live")),
    Post(
        "purge",
        "admin",
        lambda t: f"/trash/{t.op}/purge",
        {"reason": "gdpr"},
        False,
        ("trashed", None),
    ),
]


@pytest.mark.parametrize("post", POSTS, ids=[p.name for p in POSTS])
def test_every_post_of_the_views_needs_this_sessions_csrf_token(
    team: Team, post: Post, csrf_kind: str
) -> None:
    person, attacker = team.person(post.actor), team.person("other")
    url = post.url(team)
    form = dict(post.form)
    if post.confirm:
        page = person.client.get(url).get_data(as_text=True)
        form["token"] = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    mine, theirs = person.csrf(), attacker.csrf()
    assert mine != theirs
    before = team.snapshot()
    for refused, sent in (
        ("missing", {}),
        ("empty", {"csrf_token": ""}),
        ("wrong", {"csrf_token": mine[:-2] + ("AA" if not mine.endswith("AA") else "BB")}),
        ("another session's", {"csrf_token": theirs}),
    ):
        answer = person.client.post(url, data=form | sent)
        assert answer.status_code == 400, (refused, answer.status_code)
        assert "did not come from this site" in answer.get_data(as_text=True), refused
        assert team.snapshot() == before, refused
    header = person.client.post(url, data=form, headers={"X-CSRFToken": theirs})
    assert header.status_code == 400 and team.snapshot() == before
    done = person.client.post(url, data=form | {"csrf_token": mine})  # and with its own: done
    assert done.status_code == 303
    which, state = post.effect
    assert team.item(key_of(team, which)) == state


# -- schemathesis ----------------------------------------------------------------------------
def test_the_api_document_is_valid_and_requires_the_bearer_token(team: Team) -> None:
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    spec = team.app.test_client().get("/api/openapi.json").json
    OPENAPI_31_VALIDATOR.validate(spec)
    assert spec["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    assert spec["security"] == [{"bearer": []}]  # on every operation but the document's own
    operations = [
        op
        for path, item in spec["paths"].items()
        if path != "/api/openapi.json"
        for op in item.values()
    ]
    assert len(operations) == 7
    for op in operations:
        assert "security" not in op and "401" in op["responses"]


def fresh_targets(team: Team) -> dict[str, int]:
    """A live item of mia's and a deletion of hers, for one run of generated requests."""
    m = team.module
    with team.app.app_context():
        mia = m.db.session.scalar(m.db.select(m.User).filter_by(name="mia"))
        live, old = (
            m.Item(name="mia new", owner_id=mia.id),
            m.Item(name="mia gone", owner_id=mia.id),
        )
        m.db.session.add_all([live, old])
        m.db.session.flush()
        op = m.tombstone.delete(old, actor=mia)
        m.db.session.commit()
        return {"id": live.id, "op_id": op.id}


@pytest.mark.parametrize("who", ["owner", "anonymous"])
def test_the_api_conforms_to_its_document(team: Team, who: str, db_kind: str) -> None:
    """Generated requests to every operation, valid and invalid, as mia and as nobody; and
    valid ones on a row and a deletion of mia's made for the run (generated ids seldom name
    one): never a server error, every answer as the document says, and nobody gets ``401``
    (or ``404`` for what is no operation id at all, before anyone is asked who they are)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    headers = team.person(who).api
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", team.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    runs = [
        *((op, mode, False) for op in operations for mode in GenerationMode),
        *((op, GenerationMode.POSITIVE, True) for op in operations if op.path_parameters),
    ]
    assert len(runs) == 7 * 2 + 4
    statuses: list[list[int]] = []  # of each run
    for operation, mode, on_rows in runs:
        keys: dict[str, int] = {}
        if on_rows:
            made = fresh_targets(team)
            keys = {p.name: made[p.name] for p in operation.path_parameters}
        statuses.append([])

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=keys or None))
        @settings(
            max_examples=20 if db_kind == "sqlite" else 6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def conforms(case: Any) -> None:
            # A valid request may name a row that is gone or not the caller's: 404 by design.
            answer = case.call_and_validate(
                headers=headers, excluded_checks=[positive_data_acceptance]
            )
            statuses[-1].append(answer.status_code)
            if who == "anonymous":
                op_id = str((case.path_parameters or {}).get("op_id", "1"))
                unrouted = not re.fullmatch(r"[1-9][0-9]{0,9}", op_id) or int(op_id) >= 2**31
                assert answer.status_code == 401 or (answer.status_code == 404 and unrouted), (
                    case.path_parameters,
                    answer.status_code,
                )

        conforms()
        if on_rows and who == "owner":  # the row or the deletion was reached, not just 404
            assert set(statuses[-1]) - {404}, (operation.label, statuses[-1])
