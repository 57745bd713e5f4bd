"""What someone with write access to the database (and nothing else) can do to the audit chain,
and what ``verify`` says about it.

A catalogue of tamperings, each run on a freshly sealed chain of six operations: the twelve
that a plain SHA-256 chain always caught (still caught with and without key and anchor), and
the ones it missed — removing the newest sealed records, unsealing and resealing an edited one,
editing a record and recomputing every later hash — which the key and the anchor catch.
(Editing the rows sealed with an operation: ``test_sealed_rows_*`` here and Taskboard's
``tests/app/test_audit.py``.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from flask_tombstone.core import (
    AuditError,
    AuditSettings,
    ConfigurationError,
    Head,
    SealedRows,
    Tombstone,
    audit_verify,
)
from flask_tombstone.core.audit import OPERATIONS
from flask_tombstone.core.audit_hash import PLAIN, legacy_hash, record_digest

from .conftest import Tag, World

KEY = "8c1f0d3a5b7e9f2c4d6a8b0e1f3a5c7d9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f"
INTERNAL = {"tombstone_internal": True}


def build_chain(session: Session, tombstone: Tombstone, world: World) -> list[int]:
    """Six sealed operations (four deletes, a restore, a delete); returns their ids in seal
    order, with the head anchored when an anchor is configured."""
    ops = [tombstone.delete(item, session=session) for item in world.items[:3]]
    ops.append(tombstone.restore(ops[0].id, session=session))
    ops += [tombstone.delete(item, session=session) for item in world.items[3:5]]
    session.commit()
    assert tombstone.seal(session=session) == 6
    session.commit()
    tombstone.anchor_head(session)
    session.commit()
    query = select(OPERATIONS.c.id).where(OPERATIONS.c.seal_seq.is_not(None))
    ids = list(session.scalars(query.order_by(OPERATIONS.c.seal_seq)))
    assert len(ids) == 6 and tombstone.verify(session=session).ok
    return ids


def run(session: Session, statement: Any) -> None:
    session.execute(statement, execution_options=INTERNAL)
    session.commit()


def at(seq: int) -> Any:
    return OPERATIONS.c.seal_seq == seq


def edit(seq: int, **values: Any) -> Callable[[Session], None]:
    def tamper(session: Session) -> None:
        run(session, update(OPERATIONS).where(at(seq)).values(**values))

    return tamper


def remove(*seqs: int) -> Callable[[Session], None]:
    def tamper(session: Session) -> None:
        run(session, delete(OPERATIONS).where(OPERATIONS.c.seal_seq.in_(seqs)))

    return tamper


def recompute(session: Session, start: int, marker: str | None) -> None:
    """What the attacker can compute: SHA-256 of every record from ``start`` on, without the
    key, keeping the record's key id (``marker=None``) or claiming it was never keyed."""
    prev = session.scalar(select(OPERATIONS.c.hash).where(at(start - 1))) if start > 1 else "0" * 64
    rows = session.execute(
        select(OPERATIONS).where(OPERATIONS.c.seal_seq >= start).order_by(OPERATIONS.c.seal_seq)
    ).all()
    for row in rows:
        values = dict(row._mapping)
        digest = record_digest(values, str(prev), {}, None)
        session.execute(
            update(OPERATIONS)
            .where(OPERATIONS.c.id == row.id)
            .values(prev_hash=prev, hash=digest, seal_key=marker or row.seal_key),
            execution_options=INTERNAL,
        )
        prev = digest
    session.commit()


def edit_and_recompute(marker: str | None) -> Callable[[Session], None]:
    def tamper(session: Session) -> None:
        edit(2, actor="mallory")(session)
        recompute(session, 2, marker)

    return tamper


def unseal_edit_reseal(session: Session) -> None:
    """Unseal the newest record, edit it, and seal it again by hand (plain SHA-256)."""
    edit(6, seal_seq=None, prev_hash=None, hash=None)(session)
    run(session, update(OPERATIONS).where(OPERATIONS.c.seal_seq.is_(None)).values(actor="mallory"))
    last = session.execute(select(OPERATIONS.c.id).where(OPERATIONS.c.seal_seq.is_(None))).one()
    run(session, update(OPERATIONS).where(OPERATIONS.c.id == last.id).values(seal_seq=6))
    recompute(session, 6, None)


def append_forged(session: Session) -> None:
    """A record of an operation that never happened, appended after the head with the best
    hash the attacker can make (the newest operation's fields, another actor)."""
    row = session.execute(select(OPERATIONS).where(at(6))).one()
    values = dict(row._mapping)
    values |= {"id": row.id + 100, "actor": "mallory", "seal_seq": 7, "prev_hash": row.hash}
    values["hash"] = record_digest(values, str(row.hash), {}, None)
    run(session, insert(OPERATIONS).values(values))


def swap(session: Session) -> None:
    run(session, update(OPERATIONS).where(at(2)).values(seal_seq=100))
    run(session, update(OPERATIONS).where(at(3)).values(seal_seq=2))
    run(session, update(OPERATIONS).where(at(100)).values(seal_seq=3))


def shift_finished_at(session: Session) -> None:
    when = session.execute(select(OPERATIONS.c.finished_at).where(at(4))).scalar_one()
    edit(4, finished_at=when - timedelta(days=1))(session)


# name: (tampering, what verify reports)
CAUGHT_BEFORE: dict[str, tuple[Callable[[Session], None], set[str]]] = {
    "edit the actor of a middle record": (edit(3, actor="mallory"), {"tampered"}),
    "edit the reason of the first record": (edit(1, reason="routine"), {"tampered"}),
    "edit the counts of the last record": (edit(6, counts={"Item": 0}), {"tampered"}),
    "edit the target": (edit(2, target={"ids": [999]}), {"tampered"}),
    "move the finished time": (shift_finished_at, {"tampered"}),
    "edit the status": (edit(5, status="running"), {"tampered"}),
    "delete a middle record": (remove(3), {"missing"}),
    "delete the first record": (remove(1), {"missing"}),
    "swap two records": (swap, {"reordered", "tampered"}),
    "overwrite a hash": (edit(4, hash="f" * 64), {"tampered"}),
    "overwrite a previous hash": (edit(5, prev_hash="e" * 64), {"reordered"}),
    "unseal a middle record": (edit(3, seal_seq=None), {"missing"}),
}

MISSED_BEFORE: dict[str, tuple[Callable[[Session], None], set[str]]] = {
    "delete the last sealed record": (remove(6), {"truncated"}),
    "delete the last 3 sealed records": (remove(4, 5, 6), {"truncated"}),
    "unseal, edit and reseal the last record": (unseal_edit_reseal, {"tampered"}),
    "edit a record and recompute every later hash": (edit_and_recompute(None), {"tampered"}),
    "... claiming the records were never keyed": (edit_and_recompute(PLAIN), {"unkeyed"}),
    "append a forged record": (append_forged, {"tampered"}),
}


def protect(tombstone: Tombstone, tmp_path: Path) -> None:
    tombstone.audit_settings = AuditSettings.build(
        key=KEY, anchor=(tmp_path / "audit-head").as_uri()
    )


@pytest.mark.parametrize("protected", [False, True], ids=["plain", "keyed+anchored"])
@pytest.mark.parametrize("name", list(CAUGHT_BEFORE))
def test_what_a_plain_chain_caught_is_still_caught(
    name: str,
    protected: bool,
    session: Session,
    tombstone: Tombstone,
    world: World,
    tmp_path: Path,
) -> None:
    if protected:
        protect(tombstone, tmp_path)
    ids = build_chain(session, tombstone, world)
    tamper, problems = CAUGHT_BEFORE[name]
    tamper(session)
    result = tombstone.verify(session=session)
    assert not result.ok and result.problem in problems, result
    assert result.operation_id in ids


@pytest.mark.parametrize("name", list(MISSED_BEFORE))
def test_the_key_and_the_anchor_catch_what_a_plain_chain_missed(
    name: str, session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    protect(tombstone, tmp_path)
    build_chain(session, tombstone, world)
    tamper, problems = MISSED_BEFORE[name]
    tamper(session)
    result = tombstone.verify(session=session)
    assert not result.ok and result.problem in problems, result
    assert result.detail


@pytest.mark.parametrize("count", [1, 3])
def test_removing_the_newest_records_is_caught_by_the_anchor_alone(
    count: int, session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    tombstone.audit_settings = AuditSettings.build(anchor=(tmp_path / "head").as_uri())
    build_chain(session, tombstone, world)
    remove(*range(7 - count, 7))(session)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem, result.seal_seq) == (False, "truncated", 7 - count)
    assert f"the newest {count} sealed record(s) were removed" in str(result.detail)


def test_removing_the_newest_records_is_caught_by_a_head_noted_earlier(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    build_chain(session, tombstone, world)
    head = tombstone.verify(session=session).head
    assert head is not None and head.seq == 6
    remove(5, 6)(session)
    assert tombstone.verify(session=session).ok  # nothing else can tell
    result = tombstone.verify(session=session, expect_head=str(head))
    assert (result.ok, result.problem) == (False, "truncated")


def test_an_edit_recomputed_without_the_key_is_caught_by_the_anchor_alone(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    tombstone.audit_settings = AuditSettings.build(anchor=(tmp_path / "head").as_uri())
    build_chain(session, tombstone, world)
    edit_and_recompute(None)(session)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem, result.seal_seq) == (False, "diverged", 6)


def test_a_whole_chain_rewritten_without_the_key_diverges_from_the_anchor(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    tombstone.audit_settings = AuditSettings.build(anchor=(tmp_path / "head").as_uri())
    build_chain(session, tombstone, world)
    edit(1, reason="nothing to see")(session)
    recompute(session, 1, None)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem, result.seal_seq) == (False, "diverged", 6)


def test_a_record_unsealed_edited_and_sealed_again_by_the_app_diverges_from_the_anchor(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    """The attacker lets the application's own (keyed) sealer seal the edited record again:
    its HMAC is right, so only the anchor can tell — and the anchor refuses to move."""
    protect(tombstone, tmp_path)
    build_chain(session, tombstone, world)
    anchored = tombstone.verify(session=session).head
    edit(6, seal_seq=None, prev_hash=None, hash=None, actor="mallory")(session)
    assert tombstone.seal(session=session) == 1
    session.commit()
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem, result.seal_seq) == (False, "diverged", 6)
    with pytest.raises(Exception, match="holds another record at seal 6") as raised:
        tombstone.anchor_head(session)
    assert getattr(raised.value, "reason", None) == "diverged"
    assert tombstone.current_audit_settings().anchor.read() == anchored  # type: ignore[union-attr]


def test_truncated_then_grown_past_the_anchor_is_still_caught(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    """Remove the newest 2 records, then let new operations be sealed past the anchored
    number: the record now at that number is not the anchored one, and the anchor stays."""
    protect(tombstone, tmp_path)
    build_chain(session, tombstone, world)
    remove(5, 6)(session)
    tags = [Tag(name=f"new{i}") for i in range(4)]
    session.add_all(tags)
    session.commit()
    for tag in tags:
        tombstone.delete(tag, session=session)
    session.commit()
    assert tombstone.seal(session=session) == 4
    session.commit()
    with pytest.raises(Exception, match="holds another record at seal 6"):
        tombstone.anchor_head(session)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem, result.seal_seq) == (False, "diverged", 6)


def test_a_key_too_short_is_refused_with_a_clear_error() -> None:
    with pytest.raises(Exception, match="at least 32 random bytes") as raised:
        AuditSettings.build(key="hunter2")
    assert "TOMBSTONE_AUDIT_KEY is 7 bytes long" in str(raised.value)


@pytest.mark.parametrize("key", [48, 10**40, 0, 1.5, True, ["k" * 40]], ids=repr)
def test_a_key_that_is_no_text_nor_bytes_is_refused(key: Any) -> None:
    """``bytes(48)`` is 48 zero bytes: a number must never become a key anyone can compute."""
    with pytest.raises(ConfigurationError, match="must be text or bytes"):
        AuditSettings.build(key=key)
    with pytest.raises(ConfigurationError, match="must be text or bytes"):
        AuditSettings.build(key="k" * 40, old_keys=[key])


def test_without_key_or_anchor_verify_says_what_it_cannot_catch(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    build_chain(session, tombstone, world)
    result = tombstone.verify(session=session)
    assert result.ok and not result.keyed and not result.anchored
    warnings = " ".join(result.warnings)
    assert "anyone who can write to the database can recompute" in warnings
    assert "removing the newest sealed records" in warnings


def test_a_keyed_anchored_chain_verifies_without_warnings(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    protect(tombstone, tmp_path)
    build_chain(session, tombstone, world)
    result = tombstone.verify(session=session)
    assert result.ok and result.keyed and result.warnings == ()
    assert result.head is not None and [head for _, head in result.anchored] == [result.head]
    stored = session.execute(select(OPERATIONS.c.seal_key).distinct()).scalars().all()
    assert len(stored) == 1 and stored[0].startswith("hmac-") and KEY not in stored[0]


def test_key_rotation_keeps_what_the_old_key_sealed_verifiable(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    protect(tombstone, tmp_path)
    build_chain(session, tombstone, world)
    anchor = (tmp_path / "audit-head").as_uri()
    new_key = "f" * 64
    tombstone.audit_settings = AuditSettings.build(key=new_key, anchor=anchor)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem) == (False, "unknown_key")
    tombstone.audit_settings = AuditSettings.build(key=new_key, old_keys=[KEY], anchor=anchor)
    tombstone.delete(world.comments[0], session=session)
    session.commit()
    assert tombstone.seal(session=session) == 1
    session.commit()
    assert tombstone.verify(session=session).ok
    keys = session.execute(select(OPERATIONS.c.seal_key).order_by(OPERATIONS.c.seal_seq))
    assert len(set(keys.scalars())) == 2


def test_a_chain_sealed_before_the_key_is_rekeyed_once(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    build_chain(session, tombstone, world)  # unkeyed
    run(session, update(OPERATIONS).where(at(1)).values(seal_key=None))  # as 0.1 sealed it
    recompute_legacy_first(session)
    protect(tombstone, tmp_path)
    assert tombstone.verify(session=session).problem == "unkeyed"
    assert tombstone.rekey(session=session) == 6
    session.commit()
    tombstone.anchor_head(session, replace=True)
    result = tombstone.verify(session=session)
    assert result.ok and result.keyed, result
    edit(3, actor="mallory")(session)
    assert tombstone.verify(session=session).problem == "tampered"


def recompute_legacy_first(session: Session) -> None:
    """Make seal 1 a record sealed by 0.1 (fields only, no seal_key) and relink the rest."""
    row = session.execute(select(OPERATIONS).where(at(1))).one()
    digest = legacy_hash(dict(row._mapping), "0" * 64)
    run(session, update(OPERATIONS).where(at(1)).values(hash=digest))
    recompute_plain_from(session, 2, digest)


def recompute_plain_from(session: Session, start: int, prev: str) -> None:
    rows = session.execute(
        select(OPERATIONS).where(OPERATIONS.c.seal_seq >= start).order_by(OPERATIONS.c.seal_seq)
    ).all()
    for row in rows:
        digest = record_digest(dict(row._mapping), prev, {}, None)
        session.execute(
            update(OPERATIONS).where(OPERATIONS.c.id == row.id).values(prev_hash=prev, hash=digest),
            execution_options=INTERNAL,
        )
        prev = digest
    session.commit()


def test_a_rekey_refuses_a_chain_that_does_not_verify(
    session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    build_chain(session, tombstone, world)
    edit(2, actor="mallory")(session)
    protect(tombstone, tmp_path)
    with pytest.raises(Exception, match="nothing was re-keyed"):
        tombstone.rekey(session=session)
    session.rollback()
    keys = set(session.execute(select(OPERATIONS.c.seal_key)).scalars())
    assert keys == {PLAIN}


def test_a_chain_sealed_by_0_1_still_verifies_without_a_key(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    build_chain(session, tombstone, world)
    run(session, update(OPERATIONS).values(seal_key=None))
    prev = "0" * 64
    for row in session.execute(select(OPERATIONS).order_by(OPERATIONS.c.seal_seq)).all():
        digest = legacy_hash(dict(row._mapping), prev)
        values = {"prev_hash": prev, "hash": digest}
        run(session, update(OPERATIONS).where(OPERATIONS.c.id == row.id).values(values))
        prev = digest
    assert tombstone.verify(session=session).ok
    edit(4, reason="x")(session)
    assert tombstone.verify(session=session).problem == "tampered"


# -- values a column cannot hold ---------------------------------------------------------------
# name: (column, what is stored there). SQLite stores any value in any column; reading it back
# as the column's type fails (PostgreSQL and MariaDB refuse to store these).
UNREADABLE = {
    "a creation time that is no time": ("created_at", "yesterday"),
    "a finishing time that is no date": ("finished_at", "2024-13-45 10:00:00"),
    "counts that are no JSON": ("counts", "{"),
    "a target that is no JSON": ("target", "not json"),
}


def store(seq: int, column: str, value: str) -> Callable[[Session], None]:
    """Write ``value`` into the record's ``column`` as it is, past the column's type."""

    def tamper(session: Session) -> None:
        statement = f"UPDATE tombstone_operation SET {column} = :value WHERE seal_seq = :seq"
        run(session, text(statement).bindparams(value=value, seq=seq))

    return tamper


@pytest.mark.parametrize("db_kind", ["sqlite"])
@pytest.mark.parametrize("seq", [1, 4, 6], ids=["first", "last of a page", "in the next page"])
@pytest.mark.parametrize("name", list(UNREADABLE))
def test_a_value_its_column_cannot_hold_is_reported_as_tampered(
    name: str,
    seq: int,
    db_kind: str,
    session: Session,
    tombstone: Tombstone,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit_verify, "PAGE", 4)  # seals 1-4, then 5-6
    ids = build_chain(session, tombstone, world)
    column, value = UNREADABLE[name]
    store(seq, column, value)(session)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem, result.seal_seq) == (False, "tampered", seq), result
    assert result.operation_id == ids[seq - 1] and result.checked == seq - 1
    assert result.detail is not None and column in result.detail


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_an_unreadable_record_out_of_place_is_reported_where_the_chain_breaks(
    db_kind: str, session: Session, tombstone: Tombstone, world: World
) -> None:
    ids = build_chain(session, tombstone, world)
    remove(2)(session)
    store(3, "created_at", "yesterday")(session)
    result = tombstone.verify(session=session)
    assert (result.problem, result.seal_seq, result.operation_id) == ("missing", 2, ids[2])


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_a_rekey_refuses_a_chain_holding_an_unreadable_record(
    db_kind: str, session: Session, tombstone: Tombstone, world: World, tmp_path: Path
) -> None:
    build_chain(session, tombstone, world)
    store(2, "counts", "{")(session)
    protect(tombstone, tmp_path)
    with pytest.raises(AuditError, match="tampered at seal 2"):
        tombstone.rekey(session=session)


# -- rows sealed with an operation (sealed_with) ---------------------------------------------
scope_metadata = MetaData()
scope = Table(
    "audit_test_scope",
    scope_metadata,
    Column("op_id", Integer, primary_key=True),
    Column("project", String(32), primary_key=True),
)


@pytest.fixture
def scoped(session: Session, tombstone: Tombstone, tmp_path: Path) -> Any:
    bind = session.get_bind()
    scope_metadata.drop_all(bind)
    scope_metadata.create_all(bind)
    protect(tombstone, tmp_path)
    tombstone.seal_with(scope.c.op_id)
    yield scope
    session.rollback()
    scope_metadata.drop_all(bind)


@pytest.mark.parametrize(
    "tamper",
    ["edit", "delete", "insert", "move to another operation"],
)
def test_sealed_rows_edited_after_the_seal_break_the_chain(
    tamper: str, scoped: Table, session: Session, tombstone: Tombstone, world: World
) -> None:
    ops = [tombstone.delete(item, session=session) for item in world.items[:3]]
    rows = [{"op_id": op.id, "project": name} for op in ops for name in ("alpha", "beta")]
    session.execute(insert(scoped), rows[:-1])  # the last operation has one row only
    session.commit()
    assert tombstone.seal(session=session) == 3
    session.commit()
    assert tombstone.verify(session=session).ok
    first, last = ops[0].id, ops[2].id
    statement = {
        "edit": update(scoped)
        .where(scoped.c.op_id == first, scoped.c.project == "beta")
        .values(project="gamma"),
        "delete": delete(scoped).where(scoped.c.op_id == first, scoped.c.project == "beta"),
        "insert": insert(scoped).values(op_id=last, project="beta"),
        "move to another operation": update(scoped)
        .where(scoped.c.op_id == first, scoped.c.project == "beta")
        .values(op_id=last),
    }[tamper]
    run(session, statement)
    result = tombstone.verify(session=session)
    assert (result.ok, result.problem) == (False, "tampered"), result
    assert result.operation_id in (first, last)


def test_sealed_rows_are_read_in_the_operations_transaction(
    scoped: Table, session: Session, tombstone: Tombstone, world: World
) -> None:
    """An operation sealed with no rows of its own verifies; one with rows verifies with them."""
    bare = tombstone.delete(world.items[0], session=session)
    scoped_op = tombstone.delete(world.items[1], session=session)
    session.execute(insert(scoped).values(op_id=scoped_op.id, project="alpha"))
    session.commit()
    tombstone.seal(session=session)
    session.commit()
    assert tombstone.verify(session=session).ok
    assert isinstance(tombstone.sealed_with[0], SealedRows)
    run(session, insert(scoped).values(op_id=bare.id, project="alpha"))
    assert tombstone.verify(session=session).operation_id == bare.id


def test_head_parse() -> None:
    head = Head.parse(f"12:{'a' * 64}\n")
    assert (head.seq, str(head)) == (12, f"12:{'a' * 64}")
    with pytest.raises(ValueError, match="not a chain head"):
        Head.parse("12:abc")
