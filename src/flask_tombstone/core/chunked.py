"""Chunked soft deletes: a very large bulk delete as a series of small transactions.

The target's rows are taken in id order, ``chunk_size`` at a time; each chunk stamps its rows
and their dependents and commits, with the operation row (status ``running``) recording the
last id done and the counts so far. A crash loses at most the chunk under way, which rolls back
whole; calling ``delete(..., resume=op_id)`` with the same target carries on from the cursor.
Blockers are checked for the whole target before the first chunk, so a refused operation
stamps nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select, update

from .errors import Conflict, NotFound
from .execute import stamp_soft
from .operations import OPERATIONS, Request, atomic, close_operation, open_operation
from .planner import ChunkRows, NestedRows, Plan, Target, plan_soft
from .records import Operation, OperationKind, OperationStatus, utcnow
from .sql import INTERNAL

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .service import Tombstone


class ChunkedSoftDelete:
    def __init__(
        self, tombstone: Tombstone, session: Session, plan: Plan, request: Request, *, wrap: bool
    ) -> None:
        self.tombstone = tombstone
        self.session = session
        self.plan = plan
        self.request = request
        self.wrap = wrap
        self.root = plan.target.node

    def run(
        self,
        chunk_size: int,
        resume: int | None,
        expect: str | None = None,
        missing_ok: bool = False,
    ) -> Operation:
        session = self.session
        counts: dict[str, int]
        cursor: int | None  # the last key done; None before the first chunk (keys may be <= 0)
        if resume is None:
            self._check_asked(missing_ok)
            self._refuse_blockers()
            if expect is not None:
                self._check_token(expect)
            if self._next_boundary(None, chunk_size) is None:
                # Nothing to delete: refused before the operation's row is written (and
                # committed, as the chunks' progress is), so the refusal leaves nothing.
                raise self._none_matches()
            op_id = open_operation(
                session,
                self.request,
                kind=OperationKind.DELETE,
                root_model=self.root.name,
                target=self.plan.target.description | {"chunk_size": chunk_size},
            ).id
            cursor, counts = None, {}
        else:
            op_id, cursor, counts = self._resumed(resume)
        session.commit()
        now = utcnow()
        while True:
            high = self._next_boundary(cursor, chunk_size)
            if high is None:
                break
            with atomic(session):
                plan = self._chunk_plan(cursor, high)
                sets = ChunkRows(plan, op_id, cursor, high, wrap=self.wrap)
                for name, n in stamp_soft(session, plan, op_id, now, sets).counts.items():
                    counts[name] = counts.get(name, 0) + n
                self._save_progress(op_id, high, counts)
            session.commit()
            cursor = high
        if not counts.get(self.root.name):
            raise self._none_matches()
        operation = close_operation(session, op_id, counts, {"chunk_cursor": cursor})
        session.commit()
        return operation

    def _check_asked(self, missing_ok: bool) -> None:
        """By ids: every one live (or ``missing_ok``), as a delete in one transaction checks
        after stamping — here before the first chunk commits anything."""
        target = self.plan.target
        if target.ids is None:
            return
        live = select(self.root.pk).where(target.criterion, self.root.live())
        found = set(self.session.scalars(live, execution_options=INTERNAL))
        self.tombstone._check_found(self.session, target, len(found), missing_ok, None, found)

    def _none_matches(self) -> NotFound:
        return NotFound(f"no live {self.root.name} matches the filter", model=self.root.name)

    def _check_token(self, expect: str) -> None:
        """The confirm token of the whole plan, before the first chunk commits anything (the
        chunks cannot be rolled back together, as a single delete is when its stamp differs)."""
        sets = NestedRows(self.plan, wrap=self.wrap)
        self.tombstone._check_token(self.session, self.plan, sets, expect)

    def _refuse_blockers(self) -> None:
        sets = NestedRows(self.plan, wrap=self.wrap)
        self.tombstone._check_blockers(self.session, self.plan, sets, self.request)

    def _resumed(self, op_id: int) -> tuple[int, int | None, dict[str, int]]:
        op = self.session.get(Operation, op_id, populate_existing=True)
        if op is None:
            raise NotFound(f"operation {op_id} not found", model="Operation", ids=(op_id,))
        if op.status != OperationStatus.RUNNING or op.root_model != self.root.name:
            raise Conflict(
                detail=f"operation {op_id} is not an unfinished delete of {self.root.name}"
            )
        cursor = op.effects.get("chunk_cursor")
        return op.id, None if cursor is None else int(cursor), dict(op.counts)

    def _next_boundary(self, cursor: int | None, chunk_size: int) -> int | None:
        pk = self.root.pk
        after = [] if cursor is None else [pk > cursor]
        chunk = (
            select(pk.label("id"))
            .where(self.plan.target.criterion, self.root.live(), *after)
            .order_by(pk)
            .limit(chunk_size)
            .subquery()
        )
        high = self.session.execute(
            select(func.max(chunk.c.id)), execution_options=INTERNAL
        ).scalar_one()
        return None if high is None else int(high)

    def _chunk_plan(self, low: int | None, high: int) -> Plan:
        target = self.plan.target
        criterion = and_(target.criterion, self.root.pk <= high)
        if low is not None:
            criterion = and_(criterion, self.root.pk > low)
        chunk = Target(target.node, criterion, target.description)
        return plan_soft(self.tombstone.graph, chunk)

    def _save_progress(self, op_id: int, cursor: int, counts: dict[str, int]) -> None:
        values: dict[str, Any] = {"counts": counts, "effects": {"chunk_cursor": cursor}}
        statement = update(OPERATIONS).where(OPERATIONS.c.id == op_id).values(values)
        self.session.execute(statement, execution_options=INTERNAL)
