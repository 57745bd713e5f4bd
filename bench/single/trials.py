"""The timed sides. Each side is one request's work in a fresh session (connection from the
pool), committed: what a web request does. Timed per operation, CPU of this process
(``time.process_time``: Python, SQLAlchemy, the driver) and wall clock, and the statements
the DBAPI cursor executes (SAVEPOINT included; BEGIN and COMMIT not)."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from flask_tombstone.core import Tombstone
from flask_tombstone.core.records import utcnow

from .models import OWNER, Base, Item, actor_key, deletable, deletable_in

RETURNING_ID = " RETURNING id"
HAND_DELETE = (
    "UPDATE s_item SET deleted_at = :now, deleted_by_op = :op "
    "WHERE id = :id AND deleted_at IS NULL",
    "UPDATE s_comment SET deleted_at = :now, deleted_by_op = :op "
    "WHERE item_id = :id AND deleted_at IS NULL",
)
HAND_RESTORE = (
    "UPDATE s_item SET deleted_at = NULL, deleted_by_op = NULL WHERE deleted_by_op = :ref",
    "UPDATE s_comment SET deleted_at = NULL, deleted_by_op = NULL WHERE deleted_by_op = :ref",
)
HAND_OPERATION = (
    "INSERT INTO tombstone_operation (kind, status, actor, root_model, target, counts, "
    "effects, context, ref_op, created_at, finished_at) VALUES (:kind, 'done', :actor, "
    "'Item', :target, :counts, '{}', '{}', :ref, :now, :now)"
)
# The hand-written restore checks the deletion is there to restore, locking it (servers).
HAND_CHECK = "SELECT kind, status FROM tombstone_operation WHERE id = :ref"


@dataclass
class Timing:
    cpu: list[float] = field(default_factory=list)  # seconds per operation
    wall: list[float] = field(default_factory=list)
    statements: set[int] = field(default_factory=set)


class Sides:
    """The engine and the hand-written code on one database, with a statement counter."""

    def __init__(self, kind: str, engine: Engine, *, hook: str = "exists") -> None:
        self.kind = kind
        self.engine = engine
        self.Session = sessionmaker(bind=engine, expire_on_commit=False)
        self.tombstone = Tombstone(
            Base,
            session=self.Session,
            permission=deletable if hook == "exists" else deletable_in,
            permission_key=actor_key,
        )
        self.tombstone.configure()
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)
        self.engine_ops: list[int] = []  # deletions the engine's restore takes back
        self.hand_ops: list[int] = []

    def _count(self, *_: Any) -> None:
        self.statements += 1

    def time(self, action: Callable[[Session], Any], timing: Timing) -> Any:
        """Run ``action`` in a fresh session and commit; note its CPU, wall time and
        statements."""
        with self.Session() as session:
            session.connection()  # the pool is not what is measured
            self.statements = 0
            cpu, wall = time.process_time(), time.perf_counter()
            result = action(session)
            session.commit()
            timing.wall.append(time.perf_counter() - wall)
            timing.cpu.append(time.process_time() - cpu)
            timing.statements.add(self.statements)
        return result

    # -- the engine ------------------------------------------------------------------------
    def engine_ids(self, session: Session, item_id: int) -> None:
        op = self.tombstone.delete(Item, ids=[item_id], actor=OWNER, session=session)
        self._check(op.counts, "engine delete")
        self.engine_ops.append(op.id)

    def engine_load(self, session: Session, item_id: int) -> None:
        item = session.get(Item, item_id)
        op = self.tombstone.delete(item, actor=OWNER, session=session)
        self._check(op.counts, "engine load + delete")

    def engine_restore(self, session: Session) -> None:
        op = self.tombstone.restore(self.engine_ops.pop(0), actor=OWNER, session=session)
        self._check(op.counts, "engine restore")

    def engine_preview(self, session: Session, item_id: int) -> None:
        preview = self.tombstone.preview(Item, ids=[item_id], actor=OWNER, session=session)
        self._check(preview.counts, "preview")
        if preview.blocked:
            raise AssertionError(f"preview: blocked {preview.blockers}")

    # -- by hand -----------------------------------------------------------------------------
    def _operation(self, session: Session, kind: str, counts: dict[str, int], **ids: Any) -> int:
        sql = HAND_OPERATION + (RETURNING_ID if self.kind != "mariadb" else "")
        params = {
            "kind": kind,
            "actor": OWNER.tombstone_actor,
            "target": json.dumps(ids),
            "counts": json.dumps(counts),
            "ref": ids.get("operation"),
            "now": utcnow(),
        }
        result: Any = session.execute(text(sql), params)
        return int(result.scalar_one() if self.kind != "mariadb" else result.lastrowid)

    def hand_delete(self, session: Session, item_id: int) -> None:
        """The minimum a careful developer writes: the operation row (finished), the item,
        its comments, one transaction."""
        now = utcnow()
        params = {"id": item_id, "now": now, "op": None}
        counts = {"Item": 1, "Comment": 5}
        op_id = self._operation(session, "delete", counts, ids=[item_id])
        params["op"] = op_id
        changed = [session.execute(text(sql), params) for sql in HAND_DELETE]
        self._check({"Item": _rows(changed[0]), "Comment": _rows(changed[1])}, "hand delete")
        self.hand_ops.append(op_id)

    def hand_load(self, session: Session, item_id: int) -> None:
        item = session.get(Item, item_id)
        assert item is not None
        self.hand_delete(session, item.id)

    def hand_restore(self, session: Session) -> None:
        ref = self.hand_ops.pop(0)
        check = HAND_CHECK + ("" if self.kind == "sqlite" else " FOR UPDATE")
        kind, status = session.execute(text(check), {"ref": ref}).one()
        assert (kind, status) == ("delete", "done")
        changed = [session.execute(text(sql), {"ref": ref}) for sql in HAND_RESTORE]
        counts = {"Item": _rows(changed[0]), "Comment": _rows(changed[1])}
        self._operation(session, "restore", counts, operation=ref)
        self._check(counts, "hand restore")

    def cte_delete(self, session: Session, item_id: int) -> None:
        """PostgreSQL: the whole soft delete as one statement (data-modifying CTEs)."""
        row = session.execute(text(CTE_DELETE), {"id": item_id, "now": utcnow()}).one()
        self._check({"Item": row.items, "Comment": row.comments}, "one-statement delete")

    @staticmethod
    def _check(counts: dict[str, int], side: str) -> None:
        if counts.get("Item") != 1 or counts.get("Comment") != 5:
            raise AssertionError(f"{side}: {counts}, expected 1 item and 5 comments")


def _rows(result: Any) -> int:
    return int(result.rowcount)


CTE_DELETE = """
WITH op AS (
  INSERT INTO tombstone_operation (kind, status, actor, root_model, target, counts, effects,
                                   context, created_at, finished_at)
  VALUES ('delete', 'done', 'account:1', 'Item', '{}', '{}', '{}', '{}', :now, :now)
  RETURNING id
), items AS (
  UPDATE s_item SET deleted_at = :now, deleted_by_op = (SELECT id FROM op)
  WHERE id = :id AND deleted_at IS NULL RETURNING id
), comments AS (
  UPDATE s_comment SET deleted_at = :now, deleted_by_op = (SELECT id FROM op)
  WHERE item_id IN (SELECT id FROM items) AND deleted_at IS NULL RETURNING 1
)
SELECT (SELECT id FROM op) AS op, (SELECT count(*) FROM items) AS items,
       (SELECT count(*) FROM comments) AS comments
"""


def collect() -> None:
    gc.collect()
