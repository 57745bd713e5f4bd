"""``Tombstone(permission_key=...)``: the permission hook's criteria built once per (actor key,
model) and reused, on every path (one statement, the general path, previews, restores), with
the same refusals as when the hook runs on every call (issue 11)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Engine
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import Blocked, ConfigurationError, Tombstone, permission_cache

from .board_models import ANN, BOB, Actor, Base, Card, Note, board_sessions, owns


class CountingHook:
    """``owns``, counting its calls per (actor, model)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[Any, type]] = Counter()

    def __call__(self, actor: Any, model: type) -> ColumnElement[bool] | None:
        self.calls[(actor, model)] += 1
        return owns(actor, model)


def actor_id(actor: Any) -> Any:
    return None if actor is None else actor.id


@pytest.fixture
def Maker(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield from board_sessions(engine)


@pytest.fixture
def hook() -> CountingHook:
    return CountingHook()


@pytest.fixture
def keyed(Maker: sessionmaker[Session], hook: CountingHook) -> Tombstone:
    return Tombstone(Base, session=Maker, permission=hook, permission_key=actor_id)


def test_criteria_are_built_once_per_actor_and_model_and_still_refuse(
    keyed: Tombstone, Maker: sessionmaker[Session], hook: CountingHook
) -> None:
    for _ in range(2):  # the second time from memory: refused all the same
        with Maker() as session, pytest.raises(Blocked) as refused:
            keyed.delete(Card, ids=[1], actor=BOB, session=session)
        assert {(b.reason, b.row.model) for b in refused.value.blockers} >= {("forbidden", "Card")}
    deleted = []
    for card in (1, 2, 3):
        with Maker() as session:
            op = keyed.delete(Card, ids=[card], actor=ANN, session=session)
            session.commit()
            deleted.append(op)
    assert [op.counts for op in deleted] == [{"Card": 1, "Note": 3}] * 3
    with Maker() as session:  # a bulk delete and a preview take the same criteria
        preview = keyed.preview(Card, ids=[4, 5], actor=ANN, session=session)
        assert preview.blocked
    assert max(hook.calls.values()) == 1, hook.calls
    assert {model for _, model in hook.calls} == {Card, Note}


def test_a_different_key_gets_its_own_criteria(
    keyed: Tombstone, Maker: sessionmaker[Session], hook: CountingHook
) -> None:
    with Maker() as session:
        keyed.delete(Card, ids=[6], actor=BOB, session=session)
        session.commit()
    with Maker() as session, pytest.raises(Blocked):
        keyed.delete(Card, ids=[5], actor=ANN, session=session)
    assert hook.calls[(BOB, Card)] == 1 and hook.calls[(ANN, Card)] == 1


def test_an_actor_without_a_key_runs_the_hook_every_time(
    Maker: sessionmaker[Session], hook: CountingHook
) -> None:
    ts = Tombstone(Base, session=Maker, permission=hook, permission_key=lambda actor: None)
    for card in (1, 2):
        with Maker() as session:
            ts.delete(Card, ids=[card], actor=ANN, session=session)
            session.commit()
    assert hook.calls[(ANN, Card)] == 2


def test_a_key_that_cannot_be_held_is_a_configuration_error(
    Maker: sessionmaker[Session], hook: CountingHook
) -> None:
    ts = Tombstone(Base, session=Maker, permission=hook, permission_key=lambda actor: [actor.id])
    with Maker() as session, pytest.raises(ConfigurationError, match="permission_key"):
        ts.delete(Card, ids=[1], actor=ANN, session=session)


def test_replacing_the_hook_drops_what_was_held(
    keyed: Tombstone, Maker: sessionmaker[Session], hook: CountingHook
) -> None:
    with Maker() as session, pytest.raises(Blocked):
        keyed.delete(Card, ids=[1], actor=BOB, session=session)
    keyed.permission = lambda actor, model: None  # everyone may delete everything now
    with Maker() as session:
        op = keyed.delete(Card, ids=[1], actor=BOB, session=session)
        session.commit()
    assert op.counts == {"Card": 1, "Note": 3}


def test_held_criteria_are_bounded(
    keyed: Tombstone, Maker: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(permission_cache, "HELD", 3)
    cached = keyed._permission()
    assert isinstance(cached, permission_cache.CachedPermission)
    actors = [Actor(n) for n in range(1, 6)]
    for actor in actors:
        for model in (Card, Note):
            cached(actor, model)
    assert len(cached._held) == 3
    assert len(cached._cache_keys) == 3
    assert (actors[-1].id, Note) in cached._held and (actors[0].id, Card) not in cached._held


@pytest.mark.parametrize("key", [None, actor_id], ids=["hook", "keyed"])
def test_a_hook_answering_a_python_bool_means_every_row_or_none(
    Maker: sessionmaker[Session], key: Any
) -> None:
    """``actor.is_admin or owns(...)`` returns ``True`` for an admin: every row; ``False``:
    none; anything else is a ``TypeError`` naming the model, with nothing written."""

    def admin_or_owner(actor: Any, model: type) -> Any:
        return actor is ANN or owns(actor, model)

    ts = Tombstone(Base, session=Maker, permission=admin_or_owner, permission_key=key)
    with Maker() as session:
        assert ts.preview(Card, ids=[5], actor=ANN, session=session).counts["Card"] == 1
        op = ts.delete(Card, ids=[5], actor=ANN, session=session)  # not ANN's: the admin
        session.commit()
        assert op.counts["Card"] == 1
    ts.permission = lambda actor, model: False
    with Maker() as session, pytest.raises(Blocked) as refused:
        ts.delete(Card, ids=[6], actor=BOB, session=session)
    assert {b.reason for b in refused.value.blockers} == {"forbidden"}
    ts.permission = lambda actor, model: "yes"
    with Maker() as session, pytest.raises(TypeError, match="for Card it returned str"):
        ts.delete(Card, ids=[6], actor=BOB, session=session)


def test_an_anonymous_user_is_recorded_as_nobody(Maker: sessionmaker[Session]) -> None:
    """Flask-Login's ``AnonymousUserMixin.get_id()`` returns ``None``: the log says nobody
    (``actor IS NULL``), not the text ``"None"``."""

    class Anonymous:
        def get_id(self) -> None:
            return None

    ts = Tombstone(Base, session=Maker)
    with Maker() as session:
        op = ts.delete(Card, ids=[6], actor=Anonymous(), session=session)
        session.commit()
        assert op.actor is None
