"""Purge: trashed rows removed for good, one operation (or one chunk of it) at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from .errors import Blocked, Conflict
from .execute import remove_hard
from .graph import Node
from .inspect_rows import count_rows, find_blockers
from .keys import require_integer_key
from .operations import Request, atomic, close_operation, in_trash, open_operation
from .planner import Check, NestedRows, Plan, Target, plan_hard
from .policy import Rule
from .records import Operation, OperationKind, OperationStatus, utcnow
from .sql import INTERNAL

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .service import Tombstone


@dataclass
class PurgedOperation:
    """One trashed operation's purge: the rows removed (or, in a dry run, that would be)."""

    op_id: int
    purge_op_id: int | None
    counts: dict[str, int]
    effects: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class PurgeReport:
    """What :meth:`~flask_tombstone.core.Tombstone.purge` removed (or, in a dry run, would
    remove): one :class:`PurgedOperation` per trashed operation, and in ``skipped`` the
    operations it left in the trash, with why."""

    dry_run: bool
    operations: list[PurgedOperation] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # {operation id: why it stays}

    @property
    def total(self) -> int:
        return sum(p.total for p in self.operations)

    def counts(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for purged in self.operations:
            for name, n in purged.counts.items():
                merged[name] = merged.get(name, 0) + n
        return merged


class Purger:
    """Purges for one call of :meth:`Tombstone.purge`."""

    def __init__(
        self,
        tombstone: Tombstone,
        session: Session,
        request: Request,
        *,
        snapshot: bool,
        chunk_size: int | None,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.tombstone = tombstone
        self.session = session
        self.request = request
        self.snapshot = snapshot
        self.chunk_size = chunk_size
        self.progress = progress
        self.wrap = session.get_bind().dialect.name in ("mysql", "mariadb")

    def purge_older_than(self, older_than: timedelta, *, dry_run: bool) -> PurgeReport:
        cutoff = utcnow() - older_than
        query = (
            select(Operation.id)
            .where(in_trash(), Operation.finished_at <= cutoff)
            .order_by(Operation.id)
        )
        op_ids = list(self.session.scalars(query, execution_options=INTERNAL))
        report = PurgeReport(dry_run=dry_run)
        for index, op_id in enumerate(op_ids):
            try:
                report.operations.extend(self.purge_one(op_id, dry_run=dry_run).operations)
            except Blocked as refused:  # e.g. another, newer, operation's rows below its own
                report.skipped[op_id] = refused.detail
            except Conflict:
                # Restored or purged by another session since the list was read (an Undo at
                # the same moment), or being purged by one: no longer this run's to purge.
                self.session.rollback()
            if not dry_run:
                self.session.commit()
            if self.progress:
                self.progress(index + 1, len(op_ids))
        return report

    def purge_one(self, op_id: int, *, dry_run: bool) -> PurgeReport:
        source = self.tombstone.trashed_operation(
            op_id, self.session, for_purge=True, lock=not dry_run
        )
        plan = self._plan(source, boundary=None)
        sets = NestedRows(plan, wrap=self.wrap)
        blockers, total = find_blockers(self.session, plan, sets)
        if total:
            raise Blocked(blockers=blockers, total=total)
        if dry_run:
            purged = PurgedOperation(op_id, None, count_rows(self.session, plan, sets))
            return PurgeReport(dry_run=True, operations=[purged])
        if self.chunk_size:
            require_integer_key(plan.target.node)
            return PurgeReport(False, [self._purge_chunked(source)])
        with atomic(self.session):
            purge_id = self._open(source)
            counts, effects = remove_hard(
                self.session, plan, purge_id, snapshot=self.snapshot, wrap=self.wrap
            )
            close_operation(self.session, purge_id, counts, effects)
        return PurgeReport(False, [PurgedOperation(op_id, purge_id, counts, effects)])

    def _open(self, source: Operation) -> int:
        return open_operation(
            self.session,
            self.request,
            kind=OperationKind.PURGE,
            root_model=source.root_model,
            target={"operation": source.id},
            ref_op=source.id,
        ).id

    def _plan(self, source: Operation, boundary: int | None) -> Plan:
        """Seeds: the operation's stamped rows of every model it counted (all, or only the
        root model's rows up to ``boundary``, chunk by chunk)."""
        graph = self.tombstone.graph
        root = graph.node_named(source.root_model)
        stamped = {
            graph.node_named(name): _still_stamped(graph.node_named(name), source.id)
            for name, n in source.counts.items()
            if n
        }
        criterion: Any
        if boundary is not None:
            criterion = stamped[root] & (root.pk <= boundary)
            seeds: dict[Any, Any] = {root: criterion}
        else:
            criterion = stamped.get(root, _still_stamped(root, source.id))
            seeds = stamped
        target = Target(root, criterion, {"operation": source.id})
        plan = plan_hard(graph, target, seeds=seeds)
        plan.checks += _foreign_rows(plan, source.id)
        return plan

    def _purge_chunked(self, source: Operation) -> PurgedOperation:
        """Chunks of the root model's rows, each with its dependents, one commit each; the
        purge operation row tracks progress, and a later run resumes it. Each chunk locks the
        source operation again: concurrent purges of it take turns, add to one purge
        operation, and stop once it is done."""
        session = self.session
        root = self.tombstone.graph.node_named(source.root_model)
        running = (
            select(Operation.id)
            .where(
                Operation.ref_op == source.id,
                Operation.kind == OperationKind.PURGE,
                Operation.status == OperationStatus.RUNNING,
            )
            .with_for_update(read=True)
        )
        purge_id = session.scalars(running, execution_options=INTERNAL).first()
        if purge_id is None:
            purge_id = self._open(source)
        session.commit()
        remaining = int(
            session.execute(
                select(func.count()).where(_still_stamped(root, source.id)),
                execution_options=INTERNAL,
            ).scalar_one()
        )
        done = 0
        while True:
            with atomic(session):
                self.tombstone.trashed_operation(source.id, session, for_purge=True, lock=True)
                purge_op = session.get(
                    Operation, purge_id, populate_existing=True, with_for_update=True
                )
                assert purge_op is not None
                counts, effects = dict(purge_op.counts), dict(purge_op.effects)
                boundary = self._chunk_boundary(root, source.id)
                last = boundary is None
                plan = self._plan(source, boundary=boundary)
                got, changed = remove_hard(
                    session, plan, purge_id, snapshot=self.snapshot, wrap=self.wrap
                )
                _add(counts, got)
                _add(effects, changed)
                close_operation(session, purge_id, counts, effects, done=last)
            session.commit()
            done += got.get(root.name, 0)
            if self.progress:
                self.progress(done, remaining)
            if last:
                return PurgedOperation(source.id, purge_id, counts, effects)

    def _chunk_boundary(self, root: Node, op_id: int) -> int | None:
        """The highest key of the next chunk of the operation's root rows; None once none is
        left (the last round then takes the operation's other rows, whatever their model)."""
        chunk = (
            select(root.pk)
            .where(_still_stamped(root, op_id))
            .order_by(root.pk)
            .limit(self.chunk_size)
            .subquery()
        )
        boundary = self.session.execute(
            select(func.max(chunk.c[0])), execution_options=INTERNAL
        ).scalar_one()
        return None if boundary is None else int(boundary)


def _still_stamped(node: Node, op_id: int) -> Any:
    """The operation's rows still in the trash (a row brought back by hand is live, even if
    it kept its stamp)."""
    return (node.col("deleted_by_op") == op_id) & node.col("deleted_at").is_not(None)


def _foreign_rows(plan: Plan, op_id: int) -> list[Check]:
    """Rows a purge's cascade would reach that are not the operation's own: live rows (a purge
    never removes one) and rows another operation trashed (purged with that one, never
    swallowed by this one). Rows trashed outside any operation go along."""
    checks: list[Check] = []
    for step in plan.steps:
        node = step.node
        if not node.soft:
            continue
        other = node.col("deleted_by_op").is_not(None) & (node.col("deleted_by_op") != op_id)
        for edge, _ in step.links:
            if edge.rule is Rule.CASCADE:  # live RESTRICT dependents are the plan's own check
                checks.append(Check("live", edge, node.live(), inside=True))
            checks.append(Check("other_operation", edge, other, inside=True))
    return checks


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for name, n in more.items():
        total[name] = total.get(name, 0) + n
