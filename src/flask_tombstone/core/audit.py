"""Audit integrity: operations sealed into a keyed hash chain, anchored outside the database,
and its verification.

``seal`` links the finished, unsealed operations in the order it finds them committed, each
record's hash covering its own fields, the rows the application seals with it
(``sealed_with``) and its predecessor's hash — an HMAC-SHA256 under a key the database does
not hold when one is configured. Writers never wait for it: only sealers serialise, through
the unique sequence number of the chain (a concurrent sealer that took the same number fails
and retries). The head is then written to the anchor, which only moves forward. ``verify``
walks the chain, checks it against the anchor, and reports the first record that was edited,
removed or moved, or the removal of the newest ones. What each safeguard catches is listed in
``docs/audit.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Row, Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from .anchor import Anchor, AnchorError, Head, anchor_from_url
from .audit_hash import GENESIS, PLAIN, SEALED_FIELDS, KeyRing, legacy_hash, record_digest
from .audit_rows import SealedSource, gather
from .errors import ConfigurationError, TombstoneError
from .operations import begin_sqlite_transaction
from .records import Operation, OperationStatus
from .sql import INTERNAL

OPERATIONS: Table = Operation.__table__  # type: ignore[assignment]
SEAL_COLUMNS = ("seal_seq", "prev_hash", "hash", "seal_key")
PAGE = 500


@dataclass(frozen=True)
class AuditSettings:
    """How the chain is sealed: its keys, its anchor, and whether commits seal by themselves.

    .. versionadded:: 0.2
    """

    keys: KeyRing = field(default_factory=KeyRing)
    anchor: Anchor | None = None
    auto_seal: bool = False

    @classmethod
    def build(
        cls,
        *,
        key: str | bytes | None = None,
        old_keys: Iterable[str | bytes] = (),
        anchor: str | Anchor | None = None,
        auto_seal: bool = False,
    ) -> AuditSettings:
        """:raises ConfigurationError: a key shorter than 32 bytes, an unknown anchor URL."""
        if isinstance(old_keys, str | bytes):
            old_keys = (old_keys,)
        held = anchor_from_url(anchor) if isinstance(anchor, str) or anchor is None else anchor
        return cls(KeyRing.build(key, old_keys), held, bool(auto_seal))


@dataclass(frozen=True)
class Sealed:
    """What one seal did: how many records it added, the head it started from and the head
    it left."""

    count: int
    start: Head | None
    head: Head | None


@dataclass(frozen=True)
class SealedAfterCommit:
    """What sealing after a commit did: the seal, the head the anchor holds, the seals read
    back, and why the anchor did not move, if it did not."""

    sealed: Sealed
    anchored: Head | None
    seals: dict[int, dict[str, Any]]
    anchor_error: AnchorError | None = None


class SealRaced(Exception):
    """A concurrent sealer extended the chain while we were sealing."""


@dataclass
class AuditError(TombstoneError):
    """A re-key was refused: the chain does not verify as it stands."""

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 409, "Audit chain broken", "audit"
        super().__post_init__()


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`: ``ok``, or the first broken record and why.

    ``problem`` is ``tampered`` (a record or the rows sealed with it changed), ``missing`` (a
    record was removed or unsealed), ``reordered``, ``unkeyed`` (sealed without the key while
    one is configured), ``unknown_key``, ``diverged`` (the record at an anchored sequence
    number has another hash) or ``truncated`` (the chain ends before an anchored head).
    ``warnings`` say what this verification could not have caught (no key, no anchor).
    """

    ok: bool
    checked: int
    operation_id: int | None = None
    seal_seq: int | None = None
    problem: str | None = None
    detail: str | None = None
    head: Head | None = None
    keyed: bool = False
    anchored: tuple[tuple[str, Head], ...] = ()  # ((where, head checked), ...)
    unsealed: int = 0
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def _values(row: Row[Any]) -> dict[str, Any]:
    mapping = row._mapping
    return {name: mapping[name] for name in SEALED_FIELDS}


def chain_head(session: Session) -> Head | None:
    """The last sealed record, as the database holds it now."""
    row = session.execute(
        select(OPERATIONS.c.seal_seq, OPERATIONS.c.hash)
        .where(OPERATIONS.c.seal_seq.is_not(None))
        .order_by(OPERATIONS.c.seal_seq.desc())
        .limit(1),
        execution_options=INTERNAL,
    ).first()
    return Head(int(row[0]), str(row[1])) if row else None


def chain_length(session: Session) -> int:
    query = select(func.count()).where(OPERATIONS.c.seal_seq.is_not(None))
    return int(session.execute(query, execution_options=INTERNAL).scalar_one())


class Auditor:
    """Seal, anchor, verify and re-key the chain with one configuration and one set of
    sources of data sealed with each operation."""

    def __init__(self, settings: AuditSettings, sources: Sequence[SealedSource] = ()) -> None:
        self.settings = settings
        self.sources = tuple(sources)

    # -- sealing -----------------------------------------------------------------------------
    def seal(self, session: Session, batch: int = 1000, attempts: int = 5) -> Sealed:
        """Seal every finished operation not yet in the chain, in the caller's transaction.

        Runs in a savepoint. A concurrent sealer that extended the chain first makes ours fail
        on the unique sequence number: we roll back to the savepoint and start again from the
        new head.
        """
        for attempt in range(attempts):
            begin_sqlite_transaction(session)
            savepoint = session.begin_nested()
            try:
                sealed = self._seal_pending(session, batch)
            except (IntegrityError, SealRaced):
                savepoint.rollback()
                if attempt == attempts - 1:
                    raise
                continue
            savepoint.commit()
            return sealed
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _seal_pending(self, session: Session, batch: int) -> Sealed:
        start = chain_head(session)
        seq, prev = (start.seq, start.hash) if start else (0, GENESIS)
        keys = self.settings.keys
        columns = [OPERATIONS.c[name] for name in SEALED_FIELDS if name != "seal_seq"]
        pending_query = (
            select(*columns)
            .where(OPERATIONS.c.seal_seq.is_(None), OPERATIONS.c.status == OperationStatus.DONE)
            .order_by(OPERATIONS.c.finished_at, OPERATIONS.c.id)
            .limit(batch)
        )
        sealed = 0
        while True:
            pending = session.execute(pending_query, execution_options=INTERNAL).all()
            if not pending:
                break
            with_rows = gather(session, self.sources, [row.id for row in pending])
            for row in pending:
                seq += 1
                values = dict(row._mapping) | {"seal_seq": seq}
                digest = record_digest(values, prev, with_rows.get(row.id, {}), keys.current)
                result = session.execute(
                    update(OPERATIONS)
                    .where(OPERATIONS.c.id == row.id, OPERATIONS.c.seal_seq.is_(None))
                    .values(seal_seq=seq, prev_hash=prev, hash=digest, seal_key=keys.marker),
                    execution_options=INTERNAL,
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise SealRaced  # another sealer took this record first
                prev = digest
                sealed += 1
                _expire_seal(session, row.id)
            if len(pending) < batch:
                break
        return Sealed(sealed, start, Head(seq, prev) if seq else None)

    def anchor_head(
        self, session: Session, *, sealed: Sealed | None = None, replace: bool = False
    ) -> Head | None:
        """Write the committed head to the anchor (call it after the seal's commit); returns
        what the anchor holds, or ``None`` without an anchor or a chain.

        The anchor moves only if the chain still passes through the head it holds: otherwise
        records were removed, or edited and sealed again, and it raises instead.

        :raises AnchorError: ``diverged``, ``fork`` or ``unavailable``.
        """
        anchor = self.settings.anchor
        if anchor is None:
            return None
        head = sealed.head if sealed is not None else chain_head(session)
        held = anchor.read()
        if held is not None and not replace and not (sealed and sealed.start == held):
            at = session.execute(
                select(OPERATIONS.c.hash).where(OPERATIONS.c.seal_seq == held.seq),
                execution_options=INTERNAL,
            ).scalar()
            if at != held.hash:
                gone = "no longer reaches" if at is None else "holds another record at"
                raise AnchorError(
                    f"the chain {gone} seal {held.seq}, which the anchor {anchor.url} holds: "
                    f"sealed records were removed or rewritten; the anchor stays at {held}",
                    "diverged",
                )
        if head is None:
            return held
        return anchor.advance(head, replace=replace)

    def seal_committed(self, bind: Engine, show: Sequence[int] = ()) -> SealedAfterCommit:
        """Seal in a session of our own, commit, then anchor: what runs after a commit.

        :param show: operations whose seal to read back once committed (instances the
            committing session holds, to show it without a query of their own).
        """
        with Session(bind=bind) as session:
            sealed = self.seal(session)
            session.commit()
            seals: dict[int, dict[str, Any]] = {}  # {op id: its seal columns}
            if show and sealed.count:
                columns = [OPERATIONS.c.id, *(OPERATIONS.c[name] for name in SEAL_COLUMNS)]
                query = select(*columns).where(OPERATIONS.c.id.in_(show))
                for row in session.execute(query, execution_options=INTERNAL):
                    values = dict(row._mapping)
                    seals[int(values.pop("id"))] = values
            if self.settings.anchor is None:
                return SealedAfterCommit(sealed, None, seals)
            try:
                held = self.anchor_head(session, sealed=sealed if sealed.count else None)
            except AnchorError as error:
                return SealedAfterCommit(sealed, None, seals, error)
            return SealedAfterCommit(sealed, held, seals)

    # -- verifying ---------------------------------------------------------------------------
    def verify(
        self, session: Session, *, expect_head: Head | None = None, unkeyed_prefix: bool = False
    ) -> Verification:
        """Walk the chain in sequence order, recomputing every hash, in pages of 500 records
        (flat memory); then check it reaches every anchored head.

        :param expect_head: a head noted earlier (``SEQ:HASH``): the chain must pass through
            it, and may go on from it.
        :param unkeyed_prefix: accept records sealed without a key before the first keyed
            one (what a re-key needs); otherwise, with a key configured, every record must be
            keyed.
        :raises AnchorError: the anchor cannot be read.
        """
        keys = self.settings.keys
        anchor = self.settings.anchor
        expected: list[tuple[str, Head]] = []
        held = anchor.read() if anchor is not None else None
        if anchor is not None and held is not None:
            expected.append((anchor.url, held))
        if expect_head is not None:
            expected.append(("--expect-head", expect_head))
        walk = _Walk(keys, unkeyed_prefix=unkeyed_prefix or keys.current is None)
        for page in _pages(session):
            with_rows = gather(
                session, self.sources, [row.id for row in page if row.seal_key is not None]
            )
            for row in page:
                broken = walk.check(row, with_rows.get(row.id, {}))
                if broken is None:
                    broken = _against(row, expected)
                if broken is not None:
                    problem, detail = broken
                    seq = walk.checked + 1  # for "missing", the number not found
                    return Verification(
                        False, walk.checked, row.id, seq, problem, detail, walk.head
                    )
                walk.advance(row)
        for where, head in sorted(expected, key=lambda pair: pair[1].seq):
            if head.seq > walk.checked:
                detail = (
                    f"the chain ends at seal {walk.checked} but {where} holds seal {head.seq}: "
                    f"the newest {head.seq - walk.checked} sealed record(s) were removed"
                )
                return Verification(
                    False, walk.checked, None, walk.checked + 1, "truncated", detail, walk.head
                )
        return Verification(
            True,
            walk.checked,
            head=walk.head,
            keyed=keys.current is not None and walk.legacy == 0 and walk.plain == 0,
            anchored=tuple(expected),
            unsealed=_unsealed(session),
            warnings=self._warnings(walk, anchor, held, expect_head),
        )

    def _warnings(
        self, walk: _Walk, anchor: Anchor | None, held: Head | None, expect: Head | None
    ) -> tuple[str, ...]:
        warnings = []
        if self.settings.keys.current is None:
            warnings.append(
                "no audit key (TOMBSTONE_AUDIT_KEY): the chain is plain SHA-256, which "
                "anyone who can write to the database can recompute after editing a record"
            )
        if anchor is None and expect is None:
            warnings.append(
                "no anchor (TOMBSTONE_AUDIT_ANCHOR, or --expect-head): removing the newest "
                "sealed records, or unsealing, editing and resealing them, goes unnoticed"
            )
        elif anchor is not None and held is None and walk.checked:
            warnings.append(f"the anchor {anchor.url} holds no head yet: run a seal")
        if walk.legacy and self.sources:
            warnings.append(
                f"{walk.legacy} record(s) sealed before 0.2 do not cover the rows sealed "
                "with operations (sealed_with)"
            )
        return tuple(warnings)

    # -- re-keying ---------------------------------------------------------------------------
    def rekey(self, session: Session, *, expect_head: Head | None = None) -> int:
        """Re-seal the whole chain under the current key, in the caller's transaction, once it
        verifies as it stands (records sealed without a key accepted only before the first
        keyed one, and the anchor and ``expect_head`` checked). Call :meth:`anchor_head` with
        ``replace=True`` after the commit.

        :raises ConfigurationError: no key is configured.
        :raises AuditError: the chain does not verify; nothing was changed.
        """
        key = self.settings.keys.current
        if key is None:
            raise ConfigurationError("a re-key needs TOMBSTONE_AUDIT_KEY")
        result = self.verify(session, expect_head=expect_head, unkeyed_prefix=True)
        if not result.ok:
            raise AuditError(
                f"the chain does not verify ({result.problem} at seal {result.seal_seq}: "
                f"{result.detail}); nothing was re-keyed"
            )
        prev = GENESIS
        count = 0
        for page in _pages(session):
            with_rows = gather(session, self.sources, [row.id for row in page])
            changes = []
            for row in page:
                digest = record_digest(_values(row), prev, with_rows.get(row.id, {}), key)
                changes.append({"op_id": row.id, "new_prev": prev, "new_hash": digest})
                prev = digest
            statement = (
                update(OPERATIONS)
                .where(OPERATIONS.c.id == bindparam("op_id"))
                .values(
                    prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"), seal_key=key.id
                )
            )
            session.execute(statement, changes, execution_options=INTERNAL)
            for change in changes:
                _expire_seal(session, change["op_id"])
            count += len(changes)
        return count


class _Walk:
    """The state of a walk along the chain, and the check of one record against it."""

    def __init__(self, keys: KeyRing, *, unkeyed_prefix: bool) -> None:
        self.keys = keys
        self.unkeyed_allowed = unkeyed_prefix
        self.prev = GENESIS
        self.checked = 0
        self.head: Head | None = None
        self.legacy = 0  # records sealed before seal_key existed
        self.plain = 0  # records sealed without a key

    def check(self, row: Row[Any], with_rows: dict[str, Any]) -> tuple[str, str] | None:
        seq = self.checked + 1
        if row.seal_seq != seq:
            return "missing", f"seal {seq} is missing: the next sealed record is {row.seal_seq}"
        if row.prev_hash != self.prev:
            return "reordered", f"seal {seq} does not follow seal {seq - 1}"
        marker = row.seal_key
        values = _values(row)
        if marker is None or marker == PLAIN:
            if not self.unkeyed_allowed:
                return "unkeyed", (
                    f"seal {seq} is not keyed although the chain is: it was rewritten, or "
                    "sealed before the key was set (only then, `flask tombstone rekey`)"
                )
            if marker is None:
                expected = legacy_hash(values, self.prev)
            else:
                expected = record_digest(values, self.prev, with_rows, None)
        else:
            key = self.keys.find(marker)
            if key is None:
                return "unknown_key", (
                    f"seal {seq} was sealed with key {marker}, which is not configured "
                    "(TOMBSTONE_AUDIT_KEY / TOMBSTONE_AUDIT_OLD_KEYS)"
                )
            self.unkeyed_allowed = False  # unkeyed records only ever come before keyed ones
            expected = record_digest(values, self.prev, with_rows, key)
        if expected != row.hash:
            return "tampered", (
                f"seal {seq} (operation {row.id}) or the rows sealed with it changed after "
                "it was sealed"
            )
        return None

    def advance(self, row: Row[Any]) -> None:
        self.legacy += row.seal_key is None
        self.plain += row.seal_key == PLAIN
        self.prev = str(row.hash)
        self.checked += 1
        self.head = Head(self.checked, self.prev)


def _against(row: Row[Any], expected: list[tuple[str, Head]]) -> tuple[str, str] | None:
    for where, head in expected:
        if head.seq == row.seal_seq and head.hash != row.hash:
            return "diverged", (
                f"seal {head.seq} is not the record {where} holds: sealed records were "
                "rewritten (or removed, and new ones sealed in their place)"
            )
    return None


def _pages(session: Session) -> Iterator[Sequence[Row[Any]]]:
    """The sealed records in sequence order, a page at a time (keyset: no open cursor
    between pages, so other statements can run in between)."""
    query = (
        select(OPERATIONS)
        .where(OPERATIONS.c.seal_seq.is_not(None))
        .order_by(OPERATIONS.c.seal_seq)
        .limit(PAGE)
    )
    last: int | None = None
    while True:
        page_query = query if last is None else query.where(OPERATIONS.c.seal_seq > last)
        page = session.execute(page_query, execution_options=INTERNAL).all()
        if not page:
            return
        yield page
        last = int(page[-1].seal_seq)
        if len(page) < PAGE:
            return


def _unsealed(session: Session) -> int:
    query = select(func.count()).where(
        OPERATIONS.c.seal_seq.is_(None), OPERATIONS.c.status == OperationStatus.DONE
    )
    return int(session.execute(query, execution_options=INTERNAL).scalar_one())


def _expire_seal(session: Session, op_id: int) -> None:
    """An :class:`Operation` the session holds shows its seal on next access."""
    held = session.identity_map.get(identity_key(Operation, op_id))
    if held is not None:
        session.expire(held, list(SEAL_COLUMNS))


__all__ = [
    "AuditError",
    "AuditSettings",
    "Auditor",
    "Head",
    "Sealed",
    "Verification",
    "chain_head",
    "chain_length",
]
