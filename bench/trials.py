"""The timed trials. Each loads fresh data (untimed), times one side from the first
statement to the commit, and checks that the rows ended up exactly as they should; it
returns its samples by measurement name (``soft.engine``, ``soft.floor``, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, text
from sqlalchemy.orm import Session

from .data import load_entries, load_tree
from .databases import Bench, Sample
from .models import Entry, PlainEntry, PlainItem, PlainProject, Project

Trial = Callable[[], dict[str, Sample]]

NOW = datetime(2025, 1, 1, 12, 0, 0)
FLOOR_OP = 1  # the operation id the hand-written statements stamp (no operation row)

STAMP = "SET deleted_at = :now, deleted_by_op = :op"
UNSTAMP = "SET deleted_at = NULL, deleted_by_op = NULL"
SOFT_FLOOR = f"UPDATE entry {STAMP} WHERE status = 'done' AND deleted_at IS NULL"
HARD_FLOOR = "DELETE FROM entry WHERE status = 'done'"
COPY_FLOOR = (
    "INSERT INTO entry_archive (id, name, status, payload, deleted_at, deleted_by_op) "
    "SELECT id, name, status, payload, deleted_at, deleted_by_op "
    "FROM entry WHERE status = 'done'",
    HARD_FLOOR,
)
CASCADE_FLOOR = (
    f"UPDATE project {STAMP} WHERE id = 1 AND deleted_at IS NULL",
    f"UPDATE item {STAMP} WHERE project_id = 1 AND deleted_at IS NULL",
    f"UPDATE comment {STAMP} WHERE item_id IN (SELECT id FROM item WHERE project_id = 1) "
    "AND deleted_at IS NULL",
)
CASCADE_HARD_FLOOR = (
    "DELETE FROM comment WHERE item_id IN (SELECT id FROM item WHERE project_id = 1)",
    "DELETE FROM item WHERE project_id = 1",
    "DELETE FROM project WHERE id = 1",
)
RESTORE_FLOOR = tuple(
    f"UPDATE {table} {UNSTAMP} WHERE deleted_by_op = :op"
    for table in ("project", "item", "comment")
)


@dataclass(frozen=True)
class Tree:
    """The cascade's shape: project 1 (deleted) and its twin (kept), each with ``items``
    items of ``comments`` comments."""

    items: int = 20_000
    comments: int = 5

    @property
    def counts(self) -> dict[str, int]:
        return {"Project": 1, "Item": self.items, "Comment": self.items * self.comments}


def _expect(sample: Sample, what: str, got: int, want: int) -> None:
    if got != want and sample.error is None:
        sample.error = f"{what}: {got} rows, expected {want}"


def _run_sql(session: Session, statements: tuple[str, ...]) -> int:
    changed = 0
    for sql in statements:
        result = cast(CursorResult[Any], session.execute(text(sql), {"now": NOW, "op": FLOOR_OP}))
        changed += result.rowcount
    session.commit()
    return changed


def _fresh_entries(bench: Bench, table: str, n: int) -> None:
    bench.reset()
    load_entries(bench, table, n)
    bench.settle(table)


# -- deletes by filter ----------------------------------------------------------------------
def soft_engine(bench: Bench, n: int) -> dict[str, Sample]:
    _fresh_entries(bench, "entry", n)
    query = select(Entry).where(Entry.status == "done")
    with bench.session() as session:

        def delete() -> dict[str, int]:
            op = bench.tombstone.delete(query, session=session)
            session.commit()
            return op.counts

        sample, counts = bench.clock(delete)
    _expect(sample, "Entry stamped", counts.get("Entry", 0), n)
    _expect(sample, "entry live", bench.scalar(_live("entry")), n)
    return {"soft.engine": sample}


def soft_floor(bench: Bench, n: int) -> dict[str, Sample]:
    _fresh_entries(bench, "entry", n)
    with bench.session() as session:
        sample, changed = bench.clock(lambda: _run_sql(session, (SOFT_FLOOR,)))
    _expect(sample, "entry stamped", changed, n)
    return {"soft.floor": sample}


def hard_engine(bench: Bench, n: int, *, snapshot: bool) -> dict[str, Sample]:
    _fresh_entries(bench, "entry", n)
    query = select(Entry).where(Entry.status == "done")
    with bench.session() as session:

        def delete() -> tuple[int, dict[str, int]]:
            op = bench.tombstone.delete(query, hard=True, snapshot=snapshot, session=session)
            session.commit()
            return op.id, op.counts

        sample, (op_id, counts) = bench.clock(delete)
        snapshotted = sum(1 for _ in bench.tombstone.snapshots(op_id, session))
    _expect(sample, "Entry deleted", counts.get("Entry", 0), n)
    _expect(sample, "entry left", bench.scalar("SELECT count(*) FROM entry"), n)
    _expect(sample, "rows snapshotted", snapshotted, n if snapshot else 0)
    return {"hard_snapshot.engine" if snapshot else "hard.engine": sample}


def hard_floor(bench: Bench, n: int) -> dict[str, Sample]:
    _fresh_entries(bench, "entry", n)
    with bench.session() as session:
        sample, changed = bench.clock(lambda: _run_sql(session, (HARD_FLOOR,)))
    _expect(sample, "entry deleted", changed, n)
    return {"hard.floor": sample}


def copy_floor(bench: Bench, n: int) -> dict[str, Sample]:
    """Keep a copy, then delete: the hand-written snapshot, into a table of the same shape."""
    _fresh_entries(bench, "entry", n)
    with bench.session() as session:
        sample, changed = bench.clock(lambda: _run_sql(session, COPY_FLOOR))
    _expect(sample, "entry copied and deleted", changed, 2 * n)
    return {"hard_copy.floor": sample}


def tutorial_loop(bench: Bench, n: int, *, commit_each: bool = False) -> dict[str, Sample]:
    """The tutorials' delete: load every row, ``session.delete`` each, commit once (the
    loop's most favourable form), or, with ``commit_each``, commit after every row (what a
    delete view called once per row does)."""
    _fresh_entries(bench, "plain_entry", n)
    with bench.PlainSession() as session:
        session.connection()

        def delete() -> None:
            query = select(PlainEntry).where(PlainEntry.status == "done")
            for row in session.scalars(query).all():
                session.delete(row)
                if commit_each:
                    session.commit()
            session.commit()

        sample, _ = bench.clock(delete)
    _expect(sample, "plain_entry left", bench.scalar("SELECT count(*) FROM plain_entry"), n)
    return {"loop_each" if commit_each else "loop": sample}


# -- the cascade and its restore ------------------------------------------------------------
TREE_TABLES = (("project", "Project"), ("item", "Item"), ("comment", "Comment"))


def _fresh_tree(bench: Bench, tree: Tree, prefix: str = "") -> None:
    bench.reset()
    load_tree(bench, 2, tree.items, tree.comments, prefix)
    bench.settle(*(prefix + table for table, _ in TREE_TABLES))


def _live(table: str) -> str:
    return f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL"


def _expect_tree(bench: Bench, sample: Sample, tree: Tree, *, deleted: bool) -> None:
    kept = 0 if deleted else 1
    for table, name in TREE_TABLES:
        want = tree.counts[name] * (1 + kept)
        _expect(sample, f"{table} live", bench.scalar(_live(table)), want)


def _expect_tree_gone(bench: Bench, sample: Sample, tree: Tree, prefix: str = "") -> None:
    """Project 1's tree gone for good: only its twin's rows are left."""
    for table, name in TREE_TABLES:
        left = bench.scalar(f"SELECT count(*) FROM {prefix}{table}")
        _expect(sample, f"{prefix}{table} left", left, tree.counts[name])


def cascade_engine(bench: Bench, tree: Tree) -> dict[str, Sample]:
    _fresh_tree(bench, tree)
    with bench.session() as session:
        project = session.get(Project, 1)

        def delete() -> tuple[int, dict[str, int]]:
            op = bench.tombstone.delete(project, session=session)
            session.commit()
            return op.id, op.counts

        deleted, (op_id, counts) = bench.clock(delete)
    for name, want in tree.counts.items():
        _expect(deleted, f"{name} stamped", counts.get(name, 0), want)
    _expect_tree(bench, deleted, tree, deleted=True)
    bench.settle()
    with bench.session() as session:

        def restore() -> dict[str, int]:
            op = bench.tombstone.restore(op_id, session=session)
            session.commit()
            return op.counts

        restored, counts = bench.clock(restore)
    for name, want in tree.counts.items():
        _expect(restored, f"{name} restored", counts.get(name, 0), want)
    _expect_tree(bench, restored, tree, deleted=False)
    return {"cascade.engine": deleted, "restore.engine": restored}


def cascade_floor(bench: Bench, tree: Tree) -> dict[str, Sample]:
    _fresh_tree(bench, tree)
    with bench.session() as session:
        deleted, changed = bench.clock(lambda: _run_sql(session, CASCADE_FLOOR))
    _expect(deleted, "rows stamped", changed, sum(tree.counts.values()))
    _expect_tree(bench, deleted, tree, deleted=True)
    bench.settle()
    with bench.session() as session:
        restored, changed = bench.clock(lambda: _run_sql(session, RESTORE_FLOOR))
    _expect(restored, "rows restored", changed, sum(tree.counts.values()))
    _expect_tree(bench, restored, tree, deleted=False)
    return {"cascade.floor": deleted, "restore.floor": restored}


def cascade_hard_engine(bench: Bench, tree: Tree) -> dict[str, Sample]:
    """The tree deleted for good, as the tutorial loop does (for information beside it)."""
    _fresh_tree(bench, tree)
    with bench.session() as session:
        project = session.get(Project, 1)

        def delete() -> dict[str, int]:
            op = bench.tombstone.delete(project, hard=True, session=session)
            session.commit()
            return op.counts

        sample, counts = bench.clock(delete)
    for name, want in tree.counts.items():
        _expect(sample, f"{name} deleted", counts.get(name, 0), want)
    _expect_tree_gone(bench, sample, tree)
    return {"cascade_hard.engine": sample}


def cascade_hard_floor(bench: Bench, tree: Tree) -> dict[str, Sample]:
    _fresh_tree(bench, tree)
    with bench.session() as session:
        sample, changed = bench.clock(lambda: _run_sql(session, CASCADE_HARD_FLOOR))
    _expect(sample, "rows deleted", changed, sum(tree.counts.values()))
    _expect_tree_gone(bench, sample, tree)
    return {"cascade_hard.floor": sample}


def filter_trials(bench: Bench, n: int, *, loop: bool, loop_each: bool) -> list[Trial]:
    trials: list[Trial] = [
        lambda: soft_engine(bench, n),
        lambda: soft_floor(bench, n),
        lambda: hard_engine(bench, n, snapshot=False),
        lambda: hard_engine(bench, n, snapshot=True),
        lambda: hard_floor(bench, n),
        lambda: copy_floor(bench, n),
    ]
    if loop:
        trials.append(lambda: tutorial_loop(bench, n))
    if loop_each:
        trials.append(lambda: tutorial_loop(bench, n, commit_each=True))
    return trials


def cascade_loop(bench: Bench, tree: Tree) -> dict[str, Sample]:
    """The tutorial's loop over the project's items, on the tree mapped as tutorials map it:
    each ``session.delete(item)`` cascades to the item's comments, which the ORM loads
    first (one SELECT per item), then the project goes too."""
    _fresh_tree(bench, tree, "plain_")
    with bench.PlainSession() as session:
        session.connection()

        def delete() -> None:
            query = select(PlainItem).where(PlainItem.project_id == 1)
            for item in session.scalars(query).all():
                session.delete(item)
            session.delete(session.get(PlainProject, 1))
            session.commit()

        sample, _ = bench.clock(delete)
    _expect_tree_gone(bench, sample, tree, "plain_")
    return {"cascade.loop": sample}


def cascade_trials(bench: Bench, tree: Tree, *, loop: bool = True) -> list[Trial]:
    trials: list[Trial] = [
        lambda: cascade_engine(bench, tree),
        lambda: cascade_floor(bench, tree),
        lambda: cascade_hard_engine(bench, tree),
        lambda: cascade_hard_floor(bench, tree),
    ]
    if loop:
        trials.append(lambda: cascade_loop(bench, tree))
    return trials
