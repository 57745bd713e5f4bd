"""The anchor only moves forward; commits that finished an operation seal it by themselves,
and a seal that fails never fails the commit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dbs import REDIS_URL, scratch_redis
from flask_tombstone.core import (
    AnchorError,
    AuditSettings,
    DatabaseFailure,
    FileAnchor,
    Head,
    Operation,
    RedisAnchor,
    Tombstone,
)
from flask_tombstone.core.audit import OPERATIONS, Auditor, chain_head

from .conftest import World
from .models import Item

KEY = "5e0c2b4d6f8a1c3e5b7d9f0a2c4e6b8d1f3a5c7e9b0d2f4a6c8e1b3d5f7a9c0e"


def head(seq: int, digit: str = "a") -> Head:
    return Head(seq, digit * 64)


@pytest.fixture
def redis_key() -> Iterator[str]:
    with scratch_redis() as prefix:
        yield f"{prefix}:audit-head"


@pytest.fixture(params=["file", "redis"])
def anchor(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "file":
        return FileAnchor(tmp_path / "state" / "audit-head")
    key = request.getfixturevalue("redis_key")
    return RedisAnchor(f"{REDIS_URL}#{key}")


def test_the_anchor_only_moves_forward(anchor: Any) -> None:
    assert anchor.read() is None
    assert anchor.advance(head(5)) == head(5)
    assert anchor.advance(head(7, "b")) == head(7, "b")
    assert anchor.advance(head(6, "c")) == head(7, "b")  # older: refused, the newer kept
    assert anchor.read() == head(7, "b")
    assert anchor.advance(head(7, "b")) == head(7, "b")  # the same head again: fine
    with pytest.raises(AnchorError, match="another hash at seal 7") as raised:
        anchor.advance(head(7, "d"))
    assert raised.value.reason == "fork"
    assert anchor.read() == head(7, "b")
    assert anchor.advance(head(7, "d"), replace=True) == head(7, "d")  # after a re-key only
    assert anchor.advance(head(3, "e"), replace=True) == head(7, "d")  # never backwards


def test_concurrent_writers_leave_the_newest_head(anchor: Any) -> None:
    errors: list[BaseException] = []

    def write(seq: int) -> None:
        try:
            anchor.advance(head(seq, "0123456789abcdef"[seq % 16]))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(seq,)) for seq in range(1, 33)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert anchor.read() == head(32, "0")


def test_a_file_anchor_holding_something_else_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "audit-head"
    path.write_text("not a head\n")
    with pytest.raises(AnchorError, match="does not hold a head"):
        FileAnchor(path).read()


def test_anchor_urls() -> None:
    settings = AuditSettings.build(anchor="file:///var/lib/app/audit-head")
    assert isinstance(settings.anchor, FileAnchor)
    assert str(settings.anchor.path) == "/var/lib/app/audit-head"
    redis_anchor = AuditSettings.build(anchor="redis://:secret@cache:6380/2#app:head").anchor
    assert isinstance(redis_anchor, RedisAnchor)
    assert redis_anchor.key == "app:head" and "secret" not in redis_anchor.url
    with pytest.raises(Exception, match="use file:///path"):
        AuditSettings.build(anchor="s3://bucket/head")


# -- sealing after commit ----------------------------------------------------------------------
@pytest.fixture
def auto(tombstone: Tombstone, tmp_path: Path) -> Tombstone:
    tombstone.audit_settings = AuditSettings.build(
        key=KEY, anchor=(tmp_path / "audit-head").as_uri(), auto_seal=True
    )
    return tombstone


def sealed_ids(session: Session) -> list[int]:
    session.rollback()
    query = select(OPERATIONS.c.id).where(OPERATIONS.c.seal_seq.is_not(None))
    return sorted(session.scalars(query))


def test_a_commit_that_finished_an_operation_seals_and_anchors_it(
    session: Session, auto: Tombstone, world: World, tmp_path: Path
) -> None:
    op = auto.delete(world.items[0], session=session)
    assert sealed_ids(session) == []  # rolled back: nothing sealed, nothing committed
    op = auto.delete(world.items[0], session=session)
    session.commit()
    assert sealed_ids(session) == [op.id]
    assert op.seal_seq == 1 and op.seal_key is not None  # the instance shows its seal
    anchored = FileAnchor(tmp_path / "audit-head").read()
    assert anchored == chain_head(session)
    restored = auto.restore(op.id, session=session)
    session.commit()
    assert sealed_ids(session) == [op.id, restored.id]
    result = auto.verify(session=session)
    assert result.ok and result.keyed and result.checked == 2 and result.warnings == ()


def test_a_savepoint_commit_does_not_seal(session: Session, auto: Tombstone, world: World) -> None:
    with session.begin_nested():
        op = auto.delete(world.items[0], session=session)
    assert sealed_ids_now(session) == []
    session.commit()
    assert sealed_ids(session) == [op.id]


def sealed_ids_now(session: Session) -> list[int]:
    query = select(OPERATIONS.c.id).where(OPERATIONS.c.seal_seq.is_not(None))
    return sorted(session.scalars(query))


def test_commits_without_operations_do_not_seal(
    session: Session, auto: Tombstone, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    real = Auditor.seal_committed
    this_thread = threading.current_thread()

    def counted(self: Auditor, bind: Any, show: Any = ()) -> Any:
        if threading.current_thread() is this_thread:  # inline, after this test's commits
            calls.append(bind)
        return real(self, bind, show)

    monkeypatch.setattr(Auditor, "seal_committed", counted)
    world.items[0].name = "renamed"
    session.commit()
    auto.delete(world.items[1], session=session)
    session.rollback()  # the operation never happened
    world.items[0].name = "renamed again"
    session.commit()
    assert calls == []
    auto.delete(world.items[1], session=session)
    session.commit()
    assert len(calls) == 1


def test_off_by_default(session: Session, tombstone: Tombstone, world: World) -> None:
    tombstone.delete(world.items[0], session=session)
    session.commit()
    assert sealed_ids(session) == []


def test_a_failing_seal_never_fails_the_commit(
    session: Session,
    auto: Tombstone,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: Auditor, session: Session, batch: int) -> Any:
        raise RuntimeError("the sealer broke")

    monkeypatch.setattr(Auditor, "_seal_pending", broken)
    with caplog.at_level(logging.ERROR, logger="flask_tombstone.audit"):
        op = auto.delete(world.items[0], session=session)
        session.commit()  # does not raise
    assert "sealing after commit failed" in caplog.text
    assert session.scalar(select(Item.id).where(Item.id == world.items[0].id)) is None
    assert sealed_ids(session) == []  # left for the next seal
    monkeypatch.undo()
    assert auto.seal(session=session) == 1
    session.commit()
    assert sealed_ids(session) == [op.id]


def test_an_unwritable_anchor_never_fails_the_commit(
    session: Session,
    tombstone: Tombstone,
    world: World,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    tombstone.audit_settings = AuditSettings.build(
        key=KEY, anchor=(blocked / "audit-head").as_uri(), auto_seal=True
    )
    with caplog.at_level(logging.ERROR, logger="flask_tombstone.audit"):
        op = tombstone.delete(world.items[0], session=session)
        session.commit()
    assert "audit anchor not moved: cannot read the anchor" in caplog.text
    assert sealed_ids(session) == [op.id]  # sealed; the anchor waits for the next seal


@pytest.mark.parametrize("db_kind", ["postgresql", "mariadb"])
def test_concurrent_commits_seal_one_chain(
    db_kind: str, Session_: sessionmaker[Session], auto: Tombstone, world: World
) -> None:
    errors: list[BaseException] = []

    def delete(item_id: int) -> None:
        # As an app does: a deadlock's victim (DatabaseFailure) tries again; anything else,
        # or failing three times, is an error.
        for attempt in range(3):
            with Session_() as session:
                try:
                    auto.delete(Item, ids=[item_id], session=session)
                    session.commit()
                    return
                except DatabaseFailure as failure:
                    if attempt == 2:
                        errors.append(failure)
                except BaseException as error:
                    errors.append(error)
                    return

    threads = [threading.Thread(target=delete, args=(item.id,)) for item in world.items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with Session_() as session:
        auto.seal(session=session)  # what a seal lost to a race is taken by the next one
        session.commit()
        result = auto.verify(session=session)
        assert result.ok and result.checked == 5, result
        count = session.scalar(select(OPERATIONS.c.id).where(OPERATIONS.c.seal_seq == 5))
        assert count is not None
    assert Operation.__tablename__ == "tombstone_operation"


# -- sealing in the background -----------------------------------------------------------------
@pytest.fixture
def background(tombstone: Tombstone, tmp_path: Path) -> Iterator[Tombstone]:
    tombstone.audit_settings = AuditSettings.build(
        key=KEY, anchor=(tmp_path / "audit-head").as_uri(), auto_seal="background"
    )
    yield tombstone
    assert tombstone.wait_for_seals(10)


def test_background_sealing_seals_off_the_committing_thread(
    session: Session, background: Tombstone, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sealers: list[str] = []
    real = Auditor.seal_committed

    def noted(self: Auditor, bind: Any, show: Any = ()) -> Any:
        sealers.append(threading.current_thread().name)
        return real(self, bind, show)

    monkeypatch.setattr(Auditor, "seal_committed", noted)
    ops = [background.delete(item, session=session) for item in world.items[:3]]
    session.commit()
    assert background.wait_for_seals(10)
    assert sealed_ids(session) == sorted(op.id for op in ops)
    assert sealers == ["flask-tombstone-sealer"]
    result = background.verify(session=session)
    assert result.ok and result.keyed and result.anchored, result


def test_a_failing_background_seal_is_logged_and_left_for_the_next(
    session: Session,
    background: Tombstone,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: Auditor, session: Session, batch: int) -> Any:
        raise RuntimeError("the sealer broke")

    monkeypatch.setattr(Auditor, "_seal_pending", broken)
    with caplog.at_level(logging.ERROR, logger="flask_tombstone.audit"):
        op = background.delete(world.items[0], session=session)
        session.commit()
        assert background.wait_for_seals(10)
    assert "sealing in the background failed" in caplog.text
    assert sealed_ids(session) == []
    monkeypatch.undo()
    background.delete(world.items[1], session=session)
    session.commit()
    assert background.wait_for_seals(10)
    assert op.id in sealed_ids(session)  # the next seal took it along


def test_auto_seal_values() -> None:
    assert AuditSettings.build(auto_seal=True).auto_seal == "inline"
    assert AuditSettings.build(auto_seal="background").auto_seal == "background"
    assert AuditSettings.build().auto_seal == ""
    with pytest.raises(Exception, match="use False, True / 'inline' or 'background'"):
        AuditSettings.build(auto_seal="sometimes")
