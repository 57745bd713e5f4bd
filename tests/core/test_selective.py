"""The rows one operation stamped are read by the ``deleted_by_op`` index even where SQLite's
statistics say the index is useless (``ANALYZE`` taken while the column was all ``NULL``):
the stamp criterion is marked selective (``likelihood``) for SQLite's planner (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from flask_tombstone.core import Tombstone
from flask_tombstone.core.planner import StampedRows

from .conftest import World
from .models import Comment, Item


def test_the_stamp_is_marked_selective_for_sqlite_only(tombstone: Tombstone) -> None:
    node = tombstone.graph.node_for(Item)
    query = select(Item.id).where(StampedRows([7], wrap=False).stamp(node))
    on_sqlite = str(query.compile(dialect=sqlite.dialect()))
    on_postgresql = str(query.compile(dialect=postgresql.dialect()))
    assert "WHERE likelihood(item.deleted_by_op = ?, 0.0001)" in on_sqlite
    assert "likelihood" not in on_postgresql and "= 1" not in on_sqlite


def test_a_restore_reads_its_rows_by_index_under_misleading_statistics(
    session: Session, tombstone: Tombstone, world: World, engine: Engine, db_kind: str
) -> None:
    if db_kind != "sqlite":
        pytest.skip("SQLite's planner and sqlite_stat1")
    session.execute(text("ANALYZE"))  # deleted_by_op NULL in every row: 'N N' in sqlite_stat1
    session.commit()
    op = tombstone.delete(world.items[0], session=session)
    session.commit()
    plans: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        # The probes: a statement of their own, or the WHERE of the first UPDATE.
        if statement.startswith(("SELECT EXISTS", "UPDATE item", "UPDATE comment")):
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            plans.extend(str(row[-1]) for row in rows)

    event.listen(engine, "before_cursor_execute", explain)
    try:
        restored = tombstone.restore(op.id, session=session)
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    session.commit()
    assert restored.counts == op.counts
    for table in ("item", "comment"):  # each probe drives from the stamped rows, by index
        reads = [p for p in plans if p.startswith((f"SCAN {table} ", f"SEARCH {table} "))]
        assert reads and all("(deleted_by_op=?)" in p for p in reads), plans
    assert session.get(Comment, world.comments[0].id) is not None
