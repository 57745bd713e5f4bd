"""flaskr, the Flask-SQLAlchemy flavour (see flaskr/__init__.py): the blog's delete view
``db.session.delete(post); db.session.commit()``, models imported after ``init_app``.

Each test imports the package afresh (as a new process of the app would), so that on every
database the models are declared after ``tombstone.init_app(app)``.
"""

from __future__ import annotations

import importlib
import sys
from datetime import datetime
from types import ModuleType

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from flask_tombstone import Blocked

from .conftest import App, Harness, operations, raw, session_usable, trashed, world

PACKAGE = f"{__package__}.flaskr"
# flaskr's get_post uses Query.get_or_404, which calls the legacy Query.get
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.LegacyAPIWarning")


def build(uri: str, soft: bool = True) -> App:
    assert soft, "flaskr's tests need no plain twin"
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    flaskr = importlib.import_module(PACKAGE)
    app = flaskr.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri})
    auth: ModuleType = sys.modules[PACKAGE + ".auth"]
    blog: ModuleType = sys.modules[PACKAGE + ".blog"]
    return App(app, flaskr.db, flaskr.tombstone, {"User": auth.User, "Post": blog.Post})


def seed(a: App) -> None:
    test = a.User(id=1, username="test", password="test")
    other = a.User(id=2, username="other", password="other")
    lurker = a.User(id=3, username="lurker", password="lurker")
    a.session.add_all([test, other, lurker])
    a.session.add_all(
        a.Post(id=i, title=t, body="body", author=u, created=datetime(2018, 1, i))
        for i, t, u in ((1, "test title", test), (2, "second", test), (3, "theirs", other))
    )
    a.session.commit()


def login(client: FlaskClient, user_id: int) -> None:
    with client.session_transaction() as session:
        session["user_id"] = user_id


@pytest.fixture
def flaskr(corpus: Harness) -> App:
    a = corpus.open(build)
    seed(a)
    return a


def test_models_imported_after_init_app_are_soft(flaskr: App) -> None:
    graph = flaskr.tombstone.graph
    assert graph.node_for(flaskr.Post) is not None
    assert graph.node_for(flaskr.User) is not None


def test_delete_view_trashes_the_post(flaskr: App) -> None:
    a = flaskr
    before = raw(a.db)
    client = a.app.test_client()
    assert client.get("/").text == "theirs by other;second by test;test title by test;"
    login(client, 1)
    response = client.post("/1/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").text == "theirs by other;second by test;"
    assert client.get("/1/update").status_code == 404
    assert client.post("/1/delete").status_code == 404
    (op,) = operations(a)
    assert op.counts == {"Post": 1} and op.root_model == "Post"
    assert trashed(a.db) == {"post": {1: op.id}}
    # the row stays, hidden from the user's posts too
    assert a.session.get(a.Post, 1) is None
    author = a.session.get(a.User, 1)
    assert [p.id for p in author.posts] == [2]
    assert a.session.scalar(select(a.Post).where(a.Post.title == "test title")) is None
    # restore brings back exactly the row
    a.tombstone.restore(op.id)
    a.session.commit()
    assert raw(a.db) == before
    assert client.get("/").text == "theirs by other;second by test;test title by test;"
    # the session and the app keep working
    assert client.post("/2/update", data={"title": "edited", "body": "b"}).status_code == 302
    assert a.session.get(a.Post, 2).title == "edited"


def test_delete_view_of_someone_elses_post_is_forbidden(flaskr: App) -> None:
    client = flaskr.app.test_client()
    login(client, 2)
    assert client.post("/1/delete").status_code == 403
    assert operations(flaskr) == []
    assert flaskr.session.get(flaskr.Post, 1) is not None


def test_deleting_an_author_with_posts_is_refused(flaskr: App) -> None:
    """Plain flaskr fails here: the unit of work nulls post.author_id, which is NOT NULL."""
    a = flaskr
    before = raw(a.db)
    before_world = world(a)
    user = a.session.get(a.User, 1)
    a.session.delete(user)
    with pytest.raises(Blocked) as refused:
        a.session.commit()
    assert refused.value.total >= 2
    a.session.rollback()
    assert raw(a.db) == before and world(a) == before_world
    assert operations(a) == []
    state = inspect(user)
    assert state.persistent and not user.is_deleted
    assert [p.id for p in user.posts] == [1, 2]
    session_usable(a, user, "username", "renamed")


def test_an_author_whose_posts_are_gone_can_go(flaskr: App) -> None:
    a = flaskr
    client = a.app.test_client()
    login(client, 2)
    assert client.post("/3/delete").status_code == 302
    user = a.session.get(a.User, 2)
    assert user.posts == []
    a.session.delete(user)
    a.session.commit()
    assert inspect(user).detached and user.username == "other" and user.is_deleted
    assert a.session.get(a.User, 2) is None
    post_op, user_op = operations(a)
    assert post_op.counts == {"Post": 1} and user_op.counts == {"User": 1}
    assert trashed(a.db) == {"post": {3: post_op.id}, "user": {2: user_op.id}}
    # the lurker, who never posted, goes the same way
    a.session.delete(a.session.get(a.User, 3))
    a.session.commit()
    assert [u.id for u in a.User.query.all()] == [1]
    assert client.get("/").text == "second by test;test title by test;"
