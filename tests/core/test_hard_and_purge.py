"""Hard delete and purge: child-first, SET_NULL and DETACH journaled, trash taken along."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from flask_tombstone.core import Blocked, Conflict, JournalEntry, Operation, Tombstone, snapshots
from flask_tombstone.core.journal_storage import lz4_available
from flask_tombstone.core.records import utcnow

from .conftest import World
from .models import Comment, File, Folder, Item, Project, Setting, Tag, User, item_tag


def total(session: Session, model: type) -> int:
    query = select(func.count()).select_from(model).execution_options(include_deleted=True)
    return int(session.scalar(query) or 0)


def test_hard_delete_removes_children_first_and_journals_links(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    world.beta.owner = world.ann
    session.commit()
    op = tombstone.delete(world.bob, hard=True, reason="gdpr")
    session.commit()
    assert op.kind == "hard_delete" and op.counts == {"User": 1}
    assert op.effects == {"Item.assignee_id": 2}
    assert total(session, User) == 1
    assert session.scalars(select(Item.assignee_id)).all() == [None] * 5
    journal = session.scalars(select(JournalEntry).where(JournalEntry.op_id == op.id)).all()
    assert {(j.kind, j.table_name, j.column) for j in journal} == {
        ("set_null", "item", "assignee_id")
    }
    assert sorted(j.row_id for j in journal) == sorted([world.items[1].id, world.items[3].id])
    assert all(j.data == {"assignee_id": world.bob.id} for j in journal)


def test_hard_delete_detaches_and_snapshots(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    item = world.items[0]
    comment_ids = [comment.id for comment in item.comments]
    op = tombstone.delete(item, hard=True, snapshot=True)
    session.commit()
    assert op.counts == {"Item": 1, "Comment": 2}
    assert op.effects == {"item_tag": 1}
    assert session.scalar(select(func.count()).select_from(item_tag)) == 4
    kinds = session.execute(
        select(JournalEntry.kind, JournalEntry.table_name)
        .where(JournalEntry.op_id == op.id)
        .order_by(JournalEntry.id)
    ).all()
    # Children first; an item's association rows are detached just before it goes (MariaDB
    # journals a snapshot entry per row, the others a chunk per table).
    assert [kind for kind, _ in itertools.groupby(kinds)] == [
        ("snapshot", "comment"),
        ("detach", "item_tag"),
        ("snapshot", "item"),
    ]
    rows = list(tombstone.snapshots(op.id, session))
    assert [table for table, _ in rows] == ["comment", "comment", "item"]
    item_row = rows[-1][1]
    assert item_row["id"] == item.id and item_row["name"] == "item0"
    assert set(item_row) == {column.name for column in Item.__table__.c}
    assert sorted(row["id"] for table, row in rows if table == "comment") == sorted(comment_ids)


@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_snapshots_come_back_row_for_row_across_chunks(
    session: Session, tombstone: Tombstone, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    monkeypatch.setattr(snapshots, "CHUNK_ROWS", chunk_rows)
    folder = Folder(name="docs")
    session.add(folder)
    session.flush()
    names = [f"file {i}" for i in range(5)] + ['quote " and \\ back', "é ü 中"]
    session.add_all([File(name=name, folder_id=folder.id) for name in names])
    session.add_all([Setting(key=f"k{i}", value=f"v{i}") for i in range(5)])
    session.commit()
    before = {row.id: row.name for row in session.scalars(select(File))}
    op = tombstone.delete(folder, hard=True, snapshot=True, session=session)
    settings_op = tombstone.delete(
        select(Setting).where(Setting.key != "k0"), hard=True, snapshot=True, session=session
    )
    session.commit()
    files = {
        row["id"]: row["name"]
        for table, row in tombstone.snapshots(op.id, session)
        if table == "file"
    }
    assert files == before
    folders = [row for table, row in tombstone.snapshots(op.id, session) if table == "folder"]
    assert folders == [{"id": folder.id, "name": "docs"}]
    settings = sorted(
        (row["key"], row["value"]) for _, row in tombstone.snapshots(settings_op.id, session)
    )
    assert settings == [(f"k{i}", f"v{i}") for i in range(1, 5)]
    entries = session.scalar(
        select(func.count()).select_from(JournalEntry).where(JournalEntry.op_id == op.id)
    )
    dialect = session.get_bind().dialect.name
    per_entry = 1 if dialect in ("mysql", "mariadb") else chunk_rows
    assert entries == 1 + -(-len(names) // per_entry)


def test_snapshots_written_row_by_row_are_read_too(session: Session, tombstone: Tombstone) -> None:
    """Journals written before snapshots went column by column keep reading back."""
    op = Operation(kind="hard_delete", status="done", root_model="File", target={})
    session.add(op)
    session.flush()
    legacy = {"columns": ["id", "name"], "rows": [[1, "a"], [2, "b"]]}
    session.add(JournalEntry(op_id=op.id, kind="snapshot", table_name="file", data=legacy))
    session.commit()
    assert list(tombstone.snapshots(op.id, session)) == [
        ("file", {"id": 1, "name": "a"}),
        ("file", {"id": 2, "name": "b"}),
    ]


def test_the_journal_is_compressed_with_lz4_where_postgresql_can(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        assert not lz4_available(connection)
        return
    compression = connection.exec_driver_sql(
        "SELECT attcompression FROM pg_attribute "
        "WHERE attrelid = 'tombstone_journal'::regclass AND attname = 'data'"
    ).scalar()
    assert compression == ("l" if lz4_available(connection) else "")  # l: lz4


def test_hard_delete_takes_trashed_descendants_along(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    tombstone.delete(world.items[0])  # trashed on its own
    op = tombstone.delete(world.alpha, hard=True)
    session.commit()
    assert op.counts == {"Project": 1, "Item": 3, "Comment": 6}
    assert total(session, Item) == 2 and total(session, Comment) == 4


def test_hard_delete_of_plain_models(session: Session, tombstone: Tombstone) -> None:
    folder = Folder(name="docs")
    session.add_all(
        [folder, File(name="a", folder=folder) if False else File(name="a", folder_id=0)]
    )
    session.rollback()
    folder = Folder(name="docs")
    session.add(folder)
    session.flush()
    session.add_all([File(name=n, folder_id=folder.id) for n in "abc"])
    session.commit()
    op = tombstone.delete(folder)
    session.commit()
    assert op.kind == "hard_delete" and op.counts == {"Folder": 1, "File": 3}
    assert total(session, File) == 0


def test_hard_delete_blocked_by_live_restrict_dependents(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    with pytest.raises(Blocked) as caught:
        tombstone.delete(world.ann, hard=True)
    assert [b.row.label for b in caught.value.blockers] == ["alpha"]
    session.rollback()
    assert total(session, User) == 2


def test_purge_removes_an_operation_for_good(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    op = tombstone.delete(world.alpha)
    session.commit()
    report = tombstone.purge(op.id, actor="admin", reason="retention", session=session)
    session.commit()
    (purged,) = report.operations
    assert purged.counts == {"Project": 1, "Item": 3, "Comment": 6}
    assert purged.effects == {"item_tag": 3}
    assert total(session, Project) == 1 and total(session, Item) == 2
    purge_op = session.get(Operation, purged.purge_op_id)
    assert purge_op is not None and purge_op.kind == "purge" and purge_op.ref_op == op.id
    with pytest.raises(Conflict, match="already purged"):
        tombstone.restore(op.id, session=session)
    assert session.scalars(tombstone.trash()).all() == []


def test_purge_older_than_with_dry_run_and_chunks(
    session: Session, tombstone: Tombstone, world: World
) -> None:
    old = tombstone.delete(select(Item).where(Item.status == "open"), session=session)
    recent = tombstone.delete(world.red)
    session.commit()
    session.execute(
        update(Operation)
        .where(Operation.id == old.id)
        .values(finished_at=utcnow() - timedelta(days=40))
        .execution_options(tombstone_internal=True)
    )
    session.commit()
    dry = tombstone.purge(older_than=timedelta(days=30), dry_run=True, session=session)
    assert [(p.op_id, p.counts) for p in dry.operations] == [(old.id, {"Item": 3, "Comment": 6})]
    assert total(session, Item) == 5
    seen: list[tuple[int, int]] = []
    report = tombstone.purge(
        older_than=timedelta(days=30),
        chunk_size=1,
        session=session,
        progress=lambda done, of: seen.append((done, of)),
    )
    assert report.total == 9 and total(session, Item) == 2
    assert seen[-1] == (1, 1)
    assert [op.id for op in session.scalars(tombstone.trash())] == [recent.id]


def test_chunked_purge_resumes(session: Session, tombstone: Tombstone, world: World) -> None:
    op = tombstone.delete(select(Item).where(Item.id > 0), session=session)
    session.commit()
    calls = {"n": 0}

    def stop_after_two(done: int, of: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tombstone.purge(op.id, chunk_size=2, session=session, progress=stop_after_two)
    session.rollback()
    assert total(session, Item) == 1  # two chunks of two were committed
    running = session.scalars(select(Operation).where(Operation.kind == "purge")).one()
    assert running.status == "running" and running.counts["Item"] == 4
    report = tombstone.purge(op.id, chunk_size=2, session=session)
    assert report.operations[0].purge_op_id == running.id
    assert report.operations[0].counts["Item"] == 5
    assert total(session, Item) == 0 and total(session, Comment) == 0
    assert total(session, Tag) == 2
