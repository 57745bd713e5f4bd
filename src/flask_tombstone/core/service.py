"""The engine's public face on a plain SQLAlchemy ``Session``: delete, preview, restore, purge,
seal and verify. The Flask extension subclasses it; nothing here imports Flask."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    MetaData,
    Select,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, registry, scoped_session, sessionmaker

from . import one_statement
from .arguments import (
    check_age,
    check_context,
    check_count,
    check_flag,
    check_size,
    check_text,
)
from .calls import entry_point, working_in
from .chunked import ChunkedSoftDelete
from .errors import (
    AlreadyGone,
    Blocked,
    Conflict,
    DatabaseFailure,
    InvalidTarget,
    NotFound,
    PlanChanged,
    Protected,
    Settled,
)
from .execute import journals, remove_hard, stamp_soft, unstamp
from .fanout import Fanout
from .graph import ModelGraph, Node
from .graph_rules import build_graph
from .inspect_rows import find_blockers, fingerprint
from .keys import key_in, require_integer_key
from .listeners import GOVERNED_REGISTRIES, Listeners
from .operations import (
    FINISHED,
    NEXT_ROWID,
    OPERATIONS,
    Request,
    actor_id,
    as_loaded,
    atomic,
    closed,
    closing_values,
    finish_operation,
    finished_row,
    open_operation,
    record_operation,
    recorded,
    reserved_id,
    restored_or_purged,
    settled_by,
    trash_query,
)
from .permission_cache import CachedPermission, PermissionKey
from .planner import NestedRows, Permission, Plan, StampedRows, Target, plan_hard, plan_soft
from .policy import Policy
from .prepared import StampedChecks, prepared_target, remembered, soft_stamps
from .preview import Preview, build_preview
from .preview_prepared import prepared_preview
from .purge import Purger, PurgeReport
from .records import JournalEntry, Operation, OperationKind, OperationStatus, install_tables, utcnow
from .restore import (
    may_conflict,
    parent_conflicts,
    parent_operations,
    restorable_nodes,
    unique_conflicts,
    unstamp_unless_conflicts,
)
from .sealing import Auditing
from .snapshots import read_snapshots
from .sql import INTERNAL, dialect_name
from .sync import forget_removed, refresh_restored
from .targets import resolve, session_of
from .watch import mapper_count, watch_mappers

DEFAULT_CHUNK = 10_000
# The statements of trashed_operation, built once: the operation (locked for restore and
# purge), and the restores and purges that acted on it (read with a lock: see there).
OPERATION = select(OPERATIONS).where(OPERATIONS.c.id == bindparam("tombstone_op"))
OPERATION_LOCKED = OPERATION.with_for_update()
SETTLING = (
    select(OPERATIONS.c.id, OPERATIONS.c.kind, OPERATIONS.c.status)
    .where(
        OPERATIONS.c.ref_op == bindparam("tombstone_op"),
        OPERATIONS.c.kind.in_((OperationKind.RESTORE, OperationKind.PURGE)),
    )
    .order_by(OPERATIONS.c.id)
)
SETTLING_LOCKED = SETTLING.with_for_update(read=True)
# SQLite locks no row: a write takes the database's lock, before the read, so that a
# concurrent restore or purge waits for this transaction and reads what it committed; the
# write returns the row, and whether a restore or purge of it is recorded.
SQLITE_LOCKED = (
    update(OPERATIONS)
    .where(OPERATIONS.c.id == bindparam("tombstone_op"))
    .values(id=OPERATIONS.c.id)
    .returning(
        *OPERATIONS.c,
        restored_or_purged(bindparam("tombstone_op")).label("tombstone_settled"),
    )
)
SessionTarget = sessionmaker[Any] | scoped_session[Any] | type[Session] | Session


class Tombstone(Auditing):
    """Safe, reversible, audited deletion over one declarative model registry.

    :param base: the declarative base (or its ``registry``) whose models it governs. The
        engine's tables (``tombstone_operation``, ``tombstone_journal``) are added to its
        metadata, so ``create_all`` and Alembic see them.
    :param session: a ``sessionmaker``, ``scoped_session``, ``Session`` class or session to
        attach the listeners to (visibility and drop-in deletes), and the default session of
        every call when it is a ``scoped_session``.
    :param permission: ``permission(actor, model) -> criterion | None``: the rows an actor may
        delete, checked set-based over every model an operation reaches.
    :param permission_key: ``permission_key(actor) -> hashable | None``: everything of the
        actor that ``permission`` reads (``lambda user: (user.id, user.role)``). Given, the
        hook's criteria are built once per key and model and reused (see
        ``docs/engine.md``, "Permission"); ``None`` for an actor not to cache.
    :param actor_loader: called when no ``actor=`` is given, e.g. to read the current user.
    :param snapshot: journal a snapshot of every hard-deleted row by default.
    :param sealed_with: data sealed with each operation (columns of the application's tables
        holding operation ids, or :class:`SealedSource` objects); and ``audit_key``,
        ``audit_old_keys``, ``audit_anchor``, ``auto_seal``: see :class:`Auditing` and
        ``docs/audit.md``.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        base: Any = None,
        *,
        session: SessionTarget | None = None,
        permission: Permission | None = None,
        permission_key: PermissionKey | None = None,
        actor_loader: Callable[[], Any] | None = None,
        snapshot: bool = False,
        sample_size: int = 5,
        sealed_with: Iterable[Any] = (),
        audit_key: str | bytes | None = None,
        audit_old_keys: Iterable[str | bytes] = (),
        audit_anchor: Any = None,
        auto_seal: bool | str = False,
    ) -> None:
        self.permission = permission
        self.permission_key = permission_key
        self._cached_permission: CachedPermission | None = None
        self.actor_loader = actor_loader
        self.snapshot = snapshot
        self.sample_size = sample_size
        self._registry: registry | None = None
        self._graph: ModelGraph | None = None
        self._graph_mappers = -1  # how many mappers the registry had when the graph was built
        self._default_session: scoped_session[Any] | None = None
        self.listeners = Listeners(self)
        self._fanout = Fanout()  # PostgreSQL: how big a delete by keys is, before it runs
        self._init_audit(
            sealed_with=sealed_with,
            audit_key=audit_key,
            audit_old_keys=audit_old_keys,
            audit_anchor=audit_anchor,
            auto_seal=auto_seal,
        )
        if base is not None:
            self.bind_models(base)
        if session is not None:
            self.attach(session)

    # -- setup -------------------------------------------------------------------------------
    def bind_models(self, base: Any) -> None:
        """Govern the models of ``base`` (a declarative base or a ``registry``)."""
        reg = base if isinstance(base, registry) else base.registry
        self._registry = reg
        self._graph = None
        GOVERNED_REGISTRIES.add(reg)  # its soft rows are never the unit of work's to DELETE
        install_tables(reg.metadata)
        watch_mappers(reg, self)

    @property
    def metadata(self) -> MetaData:
        return self._require_registry().metadata

    def attach(self, target: SessionTarget) -> None:
        """Attach the listeners to ``target`` (idempotent)."""
        if isinstance(target, scoped_session):
            self._default_session = target
        self.listeners.attach(target)
        self.autoseal.attach(target)

    def configure(self) -> ModelGraph:
        """Build and validate the model graph now (it is otherwise built on first use).

        :raises ConfigurationError: naming the model and column of a rule it cannot honour.
        """
        reg = self._require_registry()
        reg.configure()  # every mapper, not only those the graph happens to look at
        count = mapper_count(reg)
        self._graph = build_graph(reg, extra=(Operation, JournalEntry))
        self._graph_mappers = count
        return self._graph

    def configure_when_ready(self) -> None:
        """Build the graph now if SQLAlchemy has configured every mapper; otherwise when it
        does (the first query or instance). Forcing the configuration here would fail, for
        good, on a relationship naming a model declared later (a blueprint imported after
        ``init_app``)."""
        if not getattr(self._require_registry(), "_new_mappers", True):
            self.configure()

    @property
    def graph(self) -> ModelGraph:
        """The model graph, rebuilt when models were declared since it was built (a model
        declared or imported after setup is governed like the others)."""
        graph = self._graph
        if graph is None or self._graph_mappers != mapper_count(self._require_registry()):
            return self.configure()
        return graph

    def _require_registry(self) -> registry:
        if self._registry is None:
            raise InvalidTarget("Tombstone has no models yet: pass base= or call bind_models()")
        return self._registry

    def session_for(self, target: Any = None, session: Session | None = None) -> Session:
        """The session a call works in: given, the target's own, or the default one."""
        found = session or session_of(target)
        if found is None and self._default_session is not None:
            found = self._default_session()
        if found is None:
            raise InvalidTarget("no session: pass session= (or attach a scoped_session)")
        return working_in(found)

    def _request(
        self, actor: Any, reason: str | None, request_id: str | None, context: dict[str, Any] | None
    ) -> Request:
        check_text("reason", reason)
        check_text("request_id", request_id)
        if actor is None and self.actor_loader is not None:
            actor = self.actor_loader()
        return Request(actor_id(actor), reason, request_id, check_context(context), principal=actor)

    permission_actor = "given"
    """What the ``permission`` hook receives: ``"given"``, the actor as the call was given it
    (or as ``actor_loader`` returned it) — a user object stays an object, so the hook reads
    its role without a query; ``"recorded"``, its recorded string (``"user:3"``, as the log
    holds it), for hooks written against that (what deletes passed before 0.2).

    .. versionadded:: 0.2"""

    def _permission(self) -> Permission | None:
        """The permission hook as the operations call it: through a :class:`CachedPermission`
        when there is a ``permission_key`` (rebuilt when either is replaced)."""
        hook, key = self.permission, self.permission_key
        if hook is None or key is None:
            return hook
        cached = self._cached_permission
        if cached is None or cached.hook is not hook or cached.key is not key:
            cached = self._cached_permission = CachedPermission(hook, key)
        return cached

    def _hook_actor(self, actor: Any) -> Any:
        return actor_id(actor) if self.permission_actor == "recorded" else actor

    def _request_hook_actor(self, request: Request) -> Any:
        """What the permission hook receives for ``request``: its actor as given, when known."""
        return self._hook_actor(request.actor if request.principal is None else request.principal)

    def _actor(self, actor: Any) -> Any:
        return actor if actor is not None or self.actor_loader is None else self.actor_loader()

    @staticmethod
    def _wrap(session: Session) -> bool:
        return session.get_bind().dialect.name in ("mysql", "mariadb")

    # -- preview -----------------------------------------------------------------------------
    def plan(
        self,
        target: Any,
        *,
        ids: Iterable[Any] | None = None,
        hard: bool = False,
        dialect: str | None = None,
    ) -> Plan:
        """The plan of deleting ``target`` (the steps and checks, before any SQL runs)."""
        resolved = resolve(self.graph, target, ids, dialect=dialect, hard=hard)
        self._refuse_protected(resolved.node)
        soft = resolved.node.soft and not hard
        return plan_soft(self.graph, resolved) if soft else plan_hard(self.graph, resolved)

    @entry_point
    def preview(
        self,
        target: Any,
        *,
        ids: Iterable[Any] | None = None,
        hard: bool = False,
        actor: Any = None,
        sample_size: int | None = None,
        session: Session | None = None,
    ) -> Preview:
        """What deleting ``target`` would do: counts, samples, blockers and a confirm token.

        Counted by the database; no row is loaded and nothing is written.
        """
        session = self.session_for(target, session)
        plan = self.plan(target, ids=ids, hard=hard, dialect=dialect_name(session))
        size = check_size("sample_size", self.sample_size if sample_size is None else sample_size)
        checks = {
            "wrap": self._wrap(session),
            "sample_size": size,
            "permission": self._permission(),
            "actor": self._hook_actor(self._actor(actor)),
        }
        found = prepared_preview(session, self.graph, plan, **checks)
        if found is None:  # not a soft delete by keys, or something blocks it: listed
            return build_preview(session, plan, **checks)
        return Preview(
            mode=plan.mode,
            model=plan.target.node.name,
            counts=found.counts,
            samples=found.samples,
            blockers=[],
            blocker_count=0,
            token=found.token,
        )

    # -- delete ------------------------------------------------------------------------------
    @entry_point
    def delete(
        self,
        target: Any,
        *,
        ids: Iterable[Any] | None = None,
        hard: bool = False,
        actor: Any = None,
        reason: str | None = None,
        expect: str | None = None,
        snapshot: bool | None = None,
        request_id: str | None = None,
        context: dict[str, Any] | None = None,
        missing_ok: bool = False,
        chunk_size: int | None = None,
        resume: int | None = None,
        session: Session | None = None,
    ) -> Operation:
        """Delete ``target`` by its model's policy (or physically with ``hard=True``).

        ``target`` is an instance, a list of instances of one model, a model with ``ids=``, or
        a ``select()`` of one model. Runs in a savepoint of the caller's transaction and never
        commits: the caller does.

        :param expect: a confirm token from :meth:`preview`; raises :class:`PlanChanged` if
            what would be deleted changed since.
        :param missing_ok: skip asked-for rows that are already gone instead of raising
            (when none of them is left, ``NotFound`` / ``AlreadyGone`` all the same).
        :raises NotFound: nothing (or, by ids, not every row) is there to delete.
        :raises AlreadyGone: the row was deleted by another operation first.
        :raises Blocked: RESTRICT dependents, protected or forbidden rows; all are listed.
        :raises Protected: the model's rows are never deleted.

        A soft delete with ``chunk_size`` **commits**: one transaction per chunk of the target's
        rows (with their dependents), the operation's row tracking progress. If it is
        interrupted, call again with the same target and ``resume=`` the operation's id.
        """
        session = self.session_for(target, session)
        plan = self.plan(target, ids=ids, hard=hard, dialect=dialect_name(session))
        check_flag("hard", hard)
        check_flag("missing_ok", missing_ok)
        check_text("expect", expect)
        request = self._request(actor, reason, request_id, context)
        if chunk_size is not None or resume is not None:
            if plan.mode != "soft":
                raise InvalidTarget("only soft deletes run in chunks (purge hard ones)")
            require_integer_key(plan.target.node)
            if not plan.target.stable:
                raise InvalidTarget(
                    "a chunked delete reads its filter chunk by chunk: give it one on the "
                    "model's own columns (a join, subquery or LIMIT would select other rows "
                    "as the chunks go; run it without chunk_size=)"
                )
            size = DEFAULT_CHUNK if chunk_size is None else check_count("chunk_size", chunk_size)
            resumed = None if resume is None else check_count("resume", resume)
            if resumed is not None and expect is not None:
                raise InvalidTarget(
                    "a confirm token is checked when a chunked delete starts, not when it "
                    "resumes (part of its rows are already in the trash)"
                )
            chunked = ChunkedSoftDelete(self, session, plan, request, wrap=self._wrap(session))
            return chunked.run(size, resumed, expect, missing_ok)
        snap = self.snapshot if snapshot is None else snapshot
        check_flag("snapshot", snap)
        return self.execute(
            session, plan, request, expect=expect, missing_ok=missing_ok, snapshot=snap
        )

    @entry_point
    def execute(
        self,
        session: Session,
        plan: Plan,
        request: Request,
        *,
        expect: str | None = None,
        missing_ok: bool = False,
        snapshot: bool = False,
        sync: bool = True,
    ) -> Operation:
        """Run a plan atomically; with ``sync``, the session's instances of the removed rows
        become deleted (the flush listener does that itself, after all its work)."""
        with atomic(session):
            plan = self._settled(session, plan)
            if plan.mode == "soft":
                op = self._soft_delete(session, plan, request, expect, missing_ok)
            else:
                op = self._hard_delete(session, plan, request, expect, missing_ok, snapshot)
            if sync:
                forget_removed(session, plan, op)
        return op

    def _settled(self, session: Session, plan: Plan) -> Plan:
        """``plan`` with a target whose filter reads other rows (a join, a subquery, a LIMIT)
        read once, first: its keys. What the filter selects can change as the operation
        writes (a self-reference's next level, a hard delete's children removed first, the
        next rows of a LIMIT), and the operation takes what it selected when it started."""
        target = plan.target
        if target.stable:
            return plan
        query = select(target.node.pk).where(target.criterion)
        keys = tuple(session.scalars(query, execution_options=INTERNAL))
        matches = key_in(target.node.pk, keys, dialect_name(session)) if keys else false()
        settled = replace(target, criterion=matches, matches=matches, scope=None, stable=True)
        return (
            plan_soft(self.graph, settled)
            if plan.mode == "soft"
            else plan_hard(self.graph, settled)
        )

    def _soft_delete(
        self,
        session: Session,
        plan: Plan,
        request: Request,
        expect: str | None,
        missing_ok: bool,
    ) -> Operation:
        target = plan.target
        now = utcnow()  # the operation's time is its rows' deleted_at
        wrap = self._wrap(session)
        dialect = dialect_name(session)
        if one_statement.fits(plan, dialect, expect) and self._fanout.small(session, plan):
            done = self._one_statement(session, plan, request, now, missing_ok)
            if done is not None:
                return done
        reserved = reserved_id(dialect)
        opened = None
        op_id: Any = reserved
        if reserved is None:  # the row first, running, for its id; finished below
            opened = open_operation(
                session,
                request,
                kind=OperationKind.DELETE,
                root_model=target.node.name,
                target=target.description,
                created_at=now,
            )
            op_id = opened.id
        if prepared_target(target):  # by keys: the statements are built once
            assert target.ids is not None
            many = len(target.ids) > 1
            stamps = soft_stamps(self.graph, target.node, dialect, reserved, many, wrap)
            stamped = stamps.run(session, target.ids, now, op_id)
        else:
            stamped = stamp_soft(session, plan, op_id, now, StampedRows([op_id], wrap=wrap))
        op_id = stamped.op_id  # known now (PostgreSQL's came back with the first statement)
        sets = StampedRows([op_id], wrap=wrap)
        self._check_found(session, target, stamped.roots, missing_ok, op_id)
        checks = None
        if prepared_target(target):
            assert target.ids is not None
            checks = StampedChecks(
                self.graph,
                target.node,
                target.ids,
                wrap,
                self._permission(),
                self._request_hook_actor(request),
            )
        if checks is not None and expect is None and reserved is NEXT_ROWID:
            # SQLite: the probe is the WHERE of the operation row's INSERT (one statement).
            values = finished_row(
                request,
                kind=OperationKind.DELETE,
                root_model=target.node.name,
                target=target.description,
                counts=stamped.counts,
                created_at=now,
            )
            written = checks.record_unless_blocked(session, values)
            if written is not None:
                op = recorded(session, written, values)
                op.target_rows = stamped.roots
                return op
            self._check_blockers(session, plan, sets, request)  # lists them, and refuses
        elif checks is not None and expect is None and opened is not None:
            # MariaDB: the probe is the WHERE of the operation row's closing UPDATE.
            closing = closing_values(stamped.counts)
            if checks.close_unless_blocked(session, opened.id, closing):
                op = closed(session, opened, closing)
                op.target_rows = stamped.roots
                return op
            self._check_blockers(session, plan, sets, request)  # lists them, and refuses
        elif checks is None or checks.blocked(session, reserved, op_id):
            self._check_blockers(session, plan, sets, request)  # lists them, and refuses
        if expect is not None:
            self._check_token(session, plan, sets, expect)
        if opened is not None:
            op = finish_operation(session, opened, stamped.counts)
        else:  # written once, finished, with its counts: nothing is written if refused above
            op = record_operation(
                session,
                request,
                kind=OperationKind.DELETE,
                root_model=target.node.name,
                target=target.description,
                counts=stamped.counts,
                created_at=now,
                op_id=op_id,
            )
        op.target_rows = stamped.roots
        return op

    def _one_statement(
        self, session: Session, plan: Plan, request: Request, now: Any, missing_ok: bool
    ) -> Operation | None:
        """A small soft delete on PostgreSQL in one statement (:mod:`.one_statement`), which
        writes nothing when it refuses; ``None`` when a concurrent change made it refuse
        for no reason it can name (the general way then runs)."""
        target = plan.target
        values = one_statement.operation_values(
            request, root_model=target.node.name, target=target.description, now=now
        )
        actor = self._request_hook_actor(request)
        outcome = one_statement.run(
            session,
            self.graph,
            plan,
            now=now,
            missing_ok=missing_ok,
            permission=self._permission(),
            actor=actor,
            values=values,
        )
        if not outcome.written:
            self._check_found(session, target, outcome.found, missing_ok, None)
            if outcome.blocked:
                self._check_blockers(session, plan, NestedRows(plan, wrap=False), request)
            return None
        roots = outcome.counts[target.node.name]
        # The rows as the statement's snapshot saw them, and as its writes found them, can
        # differ under concurrent deletes: then the asked rows went elsewhere (rolled back).
        self._check_found(session, target, roots, missing_ok, outcome.op_id)
        session.info[FINISHED] = True
        counts = {name: n for name, n in outcome.counts.items() if n}
        op = as_loaded(session, {"id": outcome.op_id, "counts": counts} | values)
        op.target_rows = roots
        return op

    def _hard_delete(
        self,
        session: Session,
        plan: Plan,
        request: Request,
        expect: str | None,
        missing_ok: bool,
        snapshot: bool,
    ) -> Operation:
        target = plan.target
        wrap = self._wrap(session)
        sets = NestedRows(plan, wrap=wrap)
        self._check_blockers(session, plan, sets, request)
        if expect is not None:
            self._check_token(session, plan, sets, expect)
        described = target.description | {"snapshot": snapshot}
        kind, root = OperationKind.HARD_DELETE, target.node.name
        roots = self._count_roots(session, plan)
        if not journals(plan, snapshot=snapshot):
            # Nothing is journaled, so nothing needs the operation's id before the rows go:
            # the operation is written once, finished.
            counts, effects = remove_hard(session, plan, None, snapshot=False, wrap=wrap)
            found = counts.get(root, 0) if roots is None else roots
            self._check_found(session, target, found, missing_ok, None)
            op = record_operation(
                session, request, kind=kind, root_model=root, target=described, counts=counts
            )
            op.target_rows = found
            return op
        opened = open_operation(session, request, kind=kind, root_model=root, target=described)
        counts, effects = remove_hard(session, plan, opened.id, snapshot=snapshot, wrap=wrap)
        found = counts.get(root, 0) if roots is None else roots
        self._check_found(session, target, found, missing_ok, None)
        op = finish_operation(session, opened, counts, effects)
        op.target_rows = found
        return op

    @staticmethod
    def _count_roots(session: Session, plan: Plan) -> int | None:
        """The target's own rows, where the removed count of its model also holds rows
        reached through a self-reference (replies): counted before they go."""
        target = plan.target
        if not any(step.self_links for step in plan.steps if step.node is target.node):
            return None
        query = select(func.count()).select_from(target.node.table).where(target.criterion)
        return int(session.execute(query, execution_options=INTERNAL).scalar_one())

    def _check_found(
        self,
        session: Session,
        target: Target,
        found: int,
        missing_ok: bool,
        op_id: Any,
        taken: set[Any] | None = None,
    ) -> None:
        """Refuse a delete by ids that did not find each one live (``NotFound``, or
        ``AlreadyGone`` when they are in the trash), unless ``missing_ok`` and some were.
        ``taken``: the asked rows found (else read back as those stamped with ``op_id``)."""
        node = target.node
        asked = target.ids
        if found and (asked is None or found == len(asked) or missing_ok):
            return
        if asked is None:
            raise NotFound(f"no live {node.name} matches the filter", model=node.name)
        matches = target.matches  # set with the ids (targets.resolve)
        assert matches is not None
        if taken is None:
            taken = set()
        if op_id is not None:
            stamped = matches & (node.col("deleted_by_op") == op_id)
            taken = set(session.scalars(select(node.pk).where(stamped), execution_options=INTERNAL))
        known = matches if target.scope is None else target.criterion
        existing = set(session.scalars(select(node.pk).where(known), execution_options=INTERNAL))
        missing = tuple(i for i in asked if i not in taken)
        if missing and all(i in existing for i in missing):
            raise AlreadyGone(
                f"{node.name} {', '.join(map(str, missing))} was already deleted",
                model=node.name,
                ids=missing,
            )
        absent = tuple(i for i in missing if i not in existing) or missing
        raise NotFound(
            f"{node.name} {', '.join(map(str, absent))} not found", model=node.name, ids=absent
        )

    def _check_blockers(self, session: Session, plan: Plan, sets: Any, request: Request) -> None:
        blockers, total = find_blockers(
            session,
            plan,
            sets,
            permission=self._permission(),
            actor=self._request_hook_actor(request),
        )
        if total:
            raise Blocked(blockers=blockers, total=total)

    def _check_token(self, session: Session, plan: Plan, sets: Any, expect: str) -> None:
        actual = fingerprint(session, plan, sets, 0)
        if actual != expect:
            raise PlanChanged(expected=expect, actual=actual)

    def _refuse_protected(self, node: Node) -> None:
        if node.policy is Policy.PROTECTED:
            raise Protected(
                f"{node.name} rows are protected and cannot be deleted", model=node.name
            )

    # -- restore -----------------------------------------------------------------------------
    @entry_point
    def restore(
        self,
        op_id: int,
        *,
        with_parents: bool = False,
        actor: Any = None,
        reason: str | None = None,
        request_id: str | None = None,
        context: dict[str, Any] | None = None,
        session: Session | None = None,
    ) -> Operation:
        """Bring back exactly the rows operation ``op_id`` put in the trash, parents first.

        :param with_parents: also restore the operations that trashed parents these rows
            need; otherwise such rows refuse the restore.
        :raises NotFound: no such operation.
        :raises Conflict: the operation is not a soft delete in the trash, a parent is in the
            trash under another operation, or a live row took a unique value. The conflicts
            are listed.
        """
        op_id = check_count("op_id", op_id)
        check_flag("with_parents", with_parents)
        session = self.session_for(None, session)
        request = self._request(actor, reason, request_id, context)
        in_one = dialect_name(session) == "postgresql"
        with _unique_clash_is_conflict(op_id), atomic(session):
            # The deletion's restores and purges, and what stands in the way, are read by
            # the restoring statement itself (PostgreSQL) or its first UPDATE (elsewhere),
            # which write nothing if there are any; then the general path says why.
            source, maybe_settled = self._operation_row(op_id, session, lock=True)
            nodes = restorable_nodes(self.graph, source.counts)
            if in_one:
                done = self._restore_in_one(session, request, source, nodes, True)
            else:  # SQLite, MariaDB: the first UPDATE checks the same
                done = self._restore_gated(session, request, source, nodes)
            if done is None:
                if maybe_settled:
                    self._refuse_settled(op_id, session, lock=True)
                done, nodes = self._restore_checked(session, request, source, with_parents)
        refresh_restored(session, nodes)
        return done

    def _restore_checked(
        self, session: Session, request: Request, source: Operation, with_parents: bool
    ) -> tuple[Operation, list[Node]]:
        """Restore ``source`` (and, ``with_parents``, the deletions of the parents its rows
        need) after listing what stands in the way; the restore and the models it touched."""
        wrap = self._wrap(session)
        ops = [source]
        while True:
            ids = [op.id for op in ops]
            nodes = restorable_nodes(self.graph, _merged_counts(ops))
            possible = may_conflict(session, self.graph, nodes, ids, wrap)
            conflicts = parent_conflicts(session, nodes, ids, wrap) if possible else []
            wanted = parent_operations(conflicts)
            if not (with_parents and wanted):
                break
            ops += [self.trashed_operation(other, session, lock=True) for other in sorted(wanted)]
        if possible:
            conflicts += unique_conflicts(session, nodes, ids, wrap)
        if conflicts:
            raise Conflict(
                detail=f"operation {source.id} cannot be restored as things are now",
                conflicts=conflicts,
            )
        restored: list[Operation] = []
        for op in ops:
            op_nodes = restorable_nodes(self.graph, op.counts)
            if dialect_name(session) == "postgresql":
                # The rows back and the restore's row written in one statement.
                done = self._restore_in_one(session, request, op, op_nodes, False)
                assert done is not None  # unchecked: it always runs
            else:
                counts = unstamp(session, op_nodes, [op.id], wrap)
                _refuse_empty(op, counts)
                done = _record_restore(session, request, op, counts)
            restored.append(done)
        restored[0].parent_restores = restored[1:]
        return restored[0], nodes

    def _restore_gated(
        self, session: Session, request: Request, op: Operation, nodes: list[Node]
    ) -> Operation | None:
        """SQLite, MariaDB: :func:`.restore.unstamp_unless_conflicts`, then the restore's
        row; ``None`` when something may stand in the way, and nothing was written."""
        wrap = self._wrap(session)
        counts = unstamp_unless_conflicts(session, self.graph, nodes, op.id, wrap)
        return None if counts is None else _record_restore(session, request, op, counts)

    def _restore_in_one(
        self, session: Session, request: Request, op: Operation, nodes: list[Node], checked: bool
    ) -> Operation | None:
        """PostgreSQL: :func:`.one_statement.restore`; ``None`` when, ``checked``, it found
        the deletion settled or a row that cannot come back, and wrote nothing."""
        values = one_statement.operation_values(
            request,
            kind=OperationKind.RESTORE,
            root_model=op.root_model,
            target={"operation": op.id},
            ref_op=op.id,
            now=utcnow(),
        )
        outcome = one_statement.restore(session, self.graph, nodes, values, checked=checked)
        if outcome.settled or outcome.blocked:
            return None
        _refuse_empty(op, outcome.counts)  # rolled back with the rest
        assert outcome.op_id is not None
        session.info[FINISHED] = True
        kept = {name: n for name, n in outcome.counts.items() if n}
        return as_loaded(session, {"id": outcome.op_id, "counts": kept} | values)

    @entry_point
    def trashed_operation(
        self,
        op_id: int,
        session: Session | None = None,
        *,
        for_purge: bool = False,
        lock: bool = False,
    ) -> Operation:
        """The soft-delete operation ``op_id``, if it is still in the trash.

        With ``lock`` (what restore and purge do) the operation is locked until the
        transaction ends and read as committed now, not as the transaction first saw it:
        of concurrent restores and purges of one operation exactly one acts, and the others
        wait for it and then find it settled.

        :raises NotFound: no such operation.
        :raises Conflict: it is not a soft delete, is still running, was already restored or
            purged, or (unless ``for_purge``, which resumes it) is being purged.
        """
        op_id = check_count("op_id", op_id)
        session = self.session_for(None, session)
        op, maybe_settled = self._operation_row(op_id, session, lock=lock)
        if maybe_settled:
            self._refuse_settled(op_id, session, lock=lock, for_purge=for_purge)
        return op

    def _operation_row(self, op_id: int, session: Session, *, lock: bool) -> tuple[Operation, bool]:
        """Soft-delete operation ``op_id``, finished (locked with ``lock``), and whether a
        restore or purge of it may be recorded (true where not read with it)."""
        session.flush()  # as Session.get would, before reading
        params = {"tombstone_op": op_id}
        statement: Any = OPERATION_LOCKED if lock else OPERATION
        if lock and dialect_name(session) == "sqlite":
            statement = SQLITE_LOCKED  # a write: pysqlite begins the transaction before it
        row = session.connection().execute(statement, params).mappings().one_or_none()
        if row is None:
            raise NotFound(f"operation {op_id} not found", model="Operation", ids=(op_id,))
        found = dict(row)
        maybe_settled = bool(found.pop("tombstone_settled", True))
        op = as_loaded(session, found)  # the session's instance, refreshed
        if op.kind != OperationKind.DELETE:
            raise Conflict(
                detail=f"operation {op_id} is a {op.kind}, not a soft delete: only soft "
                f"deletes can be restored or purged"
            )
        if op.status != OperationStatus.DONE:
            raise Conflict(detail=f"operation {op_id} has not finished")
        return op, maybe_settled

    @staticmethod
    def _refuse_settled(
        op_id: int, session: Session, *, lock: bool, for_purge: bool = False
    ) -> None:
        """Refuse an operation already restored or purged (or being purged, unless
        ``for_purge``, which resumes it)."""
        params = {"tombstone_op": op_id}
        # A locking read sees what is committed now (MariaDB's snapshot would not).
        settling = session.connection().execute(SETTLING_LOCKED if lock else SETTLING, params)
        for other in settling:
            if other.status == OperationStatus.DONE:
                done = "restored" if other.kind == OperationKind.RESTORE else "purged"
                raise Settled(
                    detail=f"operation {op_id} was already {done} (operation {other.id})",
                    op_id=op_id,
                    by=other.id,
                    kind=other.kind,
                )
            if not for_purge:
                raise Conflict(detail=f"operation {op_id} is being purged (operation {other.id})")

    # -- purge -------------------------------------------------------------------------------
    @entry_point
    def purge(
        self,
        op_id: int | None = None,
        *,
        older_than: timedelta | None = None,
        dry_run: bool = False,
        actor: Any = None,
        reason: str | None = None,
        snapshot: bool | None = None,
        chunk_size: int | None = None,
        request_id: str | None = None,
        context: dict[str, Any] | None = None,
        session: Session | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> PurgeReport:
        """Remove trashed rows for good: one operation's (``op_id``), or every operation in
        the trash for longer than ``older_than``.

        With ``op_id`` and no ``chunk_size`` it runs in the caller's transaction, like every
        other call. With ``older_than`` or ``chunk_size`` it **commits**: one transaction per
        operation (per chunk), so an interrupted purge keeps what it did and a second run
        resumes. ``dry_run`` only counts.
        """
        if (op_id is None) == (older_than is None):
            raise InvalidTarget("purge takes either an operation id or older_than=")
        if op_id is not None:
            op_id = check_count("op_id", op_id)
        if older_than is not None:
            older_than = check_age(older_than)
        if chunk_size is not None:
            chunk_size = check_count("chunk_size", chunk_size)
        check_flag("dry_run", dry_run)
        session = self.session_for(None, session)
        purger = Purger(
            self,
            session,
            self._request(actor, reason, request_id, context),
            snapshot=self.snapshot if snapshot is None else snapshot,
            chunk_size=chunk_size,
            progress=progress,
        )
        if op_id is not None:
            return purger.purge_one(op_id, dry_run=dry_run)
        assert older_than is not None
        return purger.purge_older_than(older_than, dry_run=dry_run)

    # -- the log -----------------------------------------------------------------------------
    def trash(self) -> Select[Any]:
        """Soft-delete operations still in the trash, newest first (compose and paginate):
        neither restored nor purged, and with rows still there — a deletion whose rows a
        later hard delete took along (or an admin brought back by hand) has nothing to
        restore, and is not offered."""
        graph = self.graph
        query: Select[Any] = trash_query()
        return query.where(remembered(graph, ("in_the_trash",), lambda: _holds_rows(graph)))

    def operations(self) -> Select[Any]:
        """Every operation, newest first."""
        return select(Operation).order_by(Operation.id.desc())

    @staticmethod
    def restored_or_purged() -> Any:
        """Criterion on :class:`Operation`: a later restore or purge acted on it."""
        return settled_by(Operation.id, (OperationKind.RESTORE, OperationKind.PURGE))

    @entry_point
    def snapshots(
        self, op_id: int, session: Session | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(table name, row as a dict)`` for every row hard-delete or purge operation
        ``op_id`` snapshotted (``snapshot=True``), in the order they were journaled.

        :raises InvalidTarget: ``op_id`` is no operation id (a whole number in range)."""
        op_id = check_count("op_id", op_id)
        tables = {table.name: table for table in self.metadata.tables.values()}
        return read_snapshots(self.session_for(None, session), op_id, tables)


def _holds_rows(graph: ModelGraph) -> ColumnElement[bool]:
    """Criterion on :class:`Operation`: some soft model still holds a trashed row it stamped
    (each an ``EXISTS`` on the indexed stamp)."""
    soft = [node for node in graph.nodes.values() if node.soft]
    return or_(
        false(),
        *(
            exists().where(
                node.col("deleted_by_op") == Operation.id, node.col("deleted_at").is_not(None)
            )
            for node in soft
        ),
    )


@contextmanager
def _unique_clash_is_conflict(op_id: int) -> Iterator[None]:
    """A unique index refusing a restore — rows of deletions restored together
    (``with_parents``) holding the same value between themselves, which the checks (against
    live rows) do not see — is a :class:`Conflict`, not a database failure: nothing changed,
    and retrying will not help."""
    try:
        yield
    except DatabaseFailure as failure:
        if not isinstance(failure.__cause__, IntegrityError):
            raise
        raise Conflict(
            detail=f"operation {op_id} cannot be restored as things are now: the database's "
            "constraints refuse the rows it would bring back (two of them holding one unique "
            "value, for instance)"
        ) from failure


def _record_restore(
    session: Session, request: Request, op: Operation, counts: dict[str, int]
) -> Operation:
    """The row of the restore of ``op`` that brought back ``counts``: nothing needed its id
    before its work, so it is written once, finished."""
    return record_operation(
        session,
        request,
        kind=OperationKind.RESTORE,
        root_model=op.root_model,
        target={"operation": op.id},
        counts=counts,
        ref_op=op.id,
    )


def _refuse_empty(op: Operation, counts: dict[str, int]) -> None:
    if not any(counts.values()):
        raise Conflict(
            detail=f"operation {op.id} has nothing left to restore: its rows were "
            f"brought back by hand or removed for good since"
        )


def _merged_counts(ops: list[Operation]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for op in ops:
        for name, n in op.counts.items():
            merged[name] = merged.get(name, 0) + n
    return merged
