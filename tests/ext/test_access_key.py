"""``Access(actor_key=...)``: every criteria hook built once per actor key (and model), and the
key handed to the engine as its ``permission_key`` (issue 11)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, column, true

from flask_tombstone.access import Access
from flask_tombstone.core import Tombstone
from flask_tombstone.core.permission_cache import CachedPermission


@dataclass(frozen=True)
class User:
    id: int
    role: str = "member"


class Model:
    pass


def test_each_criteria_hook_is_built_once_per_key() -> None:
    calls: Counter[str] = Counter()

    def hook(name: str) -> Any:
        def answer(user: User, *args: Any) -> ColumnElement[bool]:
            calls[name] += 1
            return column("owner_id") == user.id

        return answer

    access = Access(
        visible=hook("visible"),
        deletable=hook("deletable"),
        operations=hook("operations"),
        restorable=hook("restorable"),
        purgeable=hook("purgeable"),
        actor_key=lambda user: (user.id, user.role) if user.id else None,
    )
    ann, ann_again, admin, anonymous = User(1), User(1), User(1, "admin"), User(0)
    for user in (ann, ann_again):
        first = access.visible(user, Model)
        access.deletable(user, Model)
        access.operations(user)
        access.restorable(user)
        access.purgeable(user)
    assert access.visible(ann, Model) is first  # the same expression, with its bound values
    assert set(calls.values()) == {1}
    access.operations(admin)
    access.operations(anonymous)
    access.operations(anonymous)  # no key: built every time
    assert calls["operations"] == 4


def test_the_key_becomes_the_engines_permission_key() -> None:
    def key(user: User) -> int:
        return user.id

    access = Access(deletable=lambda user, model: true(), actor_key=key)
    engine = Tombstone()
    access.govern(engine)
    assert engine.permission_key is key and engine.permission == access.deletable
    assert isinstance(engine._permission(), CachedPermission)


def test_without_a_key_the_hooks_run_every_time() -> None:
    calls: Counter[str] = Counter()

    def operations(user: User) -> ColumnElement[bool]:
        calls["operations"] += 1
        return true()

    access = Access(operations=operations)
    access.operations(User(1))
    access.operations(User(1))
    assert calls["operations"] == 2
