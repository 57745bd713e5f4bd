"""Audit integrity: operations sealed into a keyed hash chain, anchored outside the database
(verifying it: :mod:`.audit_verify`).

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from .anchor import Anchor, AnchorError, Head, anchor_from_url
from .audit_hash import GENESIS, SEALED_FIELDS, KeyRing, record_digest
from .audit_rows import SealedSource, gather
from .audit_verify import Verification, pages, row_values, verify_chain
from .errors import AuditError, ConfigurationError
from .operations import begin_sqlite_transaction
from .records import Operation, OperationStatus
from .sql import INTERNAL

OPERATIONS: Table = Operation.__table__  # type: ignore[assignment]
SEAL_COLUMNS = ("seal_seq", "prev_hash", "hash", "seal_key")
INLINE = "inline"  # seal in the committing thread, right after the commit
BACKGROUND = "background"  # seal in the process's sealer thread, shortly after the commit


@dataclass(frozen=True)
class AuditSettings:
    """How the chain is sealed: its keys, its anchor, and whether commits that finished an
    operation seal it by themselves — ``""`` (no), ``"inline"`` or ``"background"``.

    .. versionadded:: 0.2
    """

    keys: KeyRing = field(default_factory=KeyRing)
    anchor: Anchor | None = None
    auto_seal: str = ""

    @classmethod
    def build(
        cls,
        *,
        key: str | bytes | None = None,
        old_keys: Iterable[str | bytes] = (),
        anchor: str | Anchor | None = None,
        auto_seal: bool | str = False,
    ) -> AuditSettings:
        """Settings from configuration values.

        :raises ConfigurationError: a key shorter than 32 bytes, an unknown anchor URL, an
            ``auto_seal`` other than ``False``, ``True`` (inline), ``"inline"`` or
            ``"background"``.
        """
        if isinstance(old_keys, str | bytes):
            old_keys = (old_keys,)
        held = anchor_from_url(anchor) if isinstance(anchor, str) or anchor is None else anchor
        return cls(KeyRing.build(key, old_keys), held, auto_seal_mode(auto_seal))


def auto_seal_mode(value: bool | str | None) -> str:
    """``""``, ``"inline"`` or ``"background"`` from a setting (``True`` is inline)."""
    if value is True:
        return INLINE
    if not value:
        return ""
    if value in (INLINE, BACKGROUND):
        return str(value)
    raise ConfigurationError(
        f"TOMBSTONE_AUTO_SEAL is {value!r}: use False, True / 'inline' or 'background'"
    )


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

    def _seal_and_commit(self, session: Session, attempts: int = 5) -> Sealed:
        """:meth:`seal` in a session of our own: a lost race rolls back the whole transaction
        (no savepoint: two round trips fewer on the path every request takes)."""
        for attempt in range(attempts):
            try:
                sealed = self._seal_pending(session, batch=1000)
                session.commit()
            except (IntegrityError, SealRaced):
                session.rollback()
                if attempt == attempts - 1:
                    raise
                continue
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
            seals = []
            for row in pending:
                seq += 1
                values = dict(row._mapping) | {"seal_seq": seq}
                digest = record_digest(values, prev, with_rows.get(row.id, {}), keys.current)
                seals.append(
                    {"op": row.id, "seq": seq, "prev": prev, "digest": digest, "key": keys.marker}
                )
                prev = digest
            _write_seals(session, seals)
            for row in pending:
                _expire_seal(session, row.id)
            sealed += len(pending)
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
            sealed = self._seal_and_commit(session)
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
        """See :func:`verify_chain`."""
        return verify_chain(
            session,
            self.settings,
            self.sources,
            expect_head=expect_head,
            unkeyed_prefix=unkeyed_prefix,
        )

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
        for page in pages(session):
            with_rows = gather(session, self.sources, [row.id for row in page])
            changes = []
            for row in page:
                digest = record_digest(row_values(row), prev, with_rows.get(row.id, {}), key)
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


SEAL_ROW = (
    update(OPERATIONS)
    .where(OPERATIONS.c.id == bindparam("op"), OPERATIONS.c.seal_seq.is_(None))
    .values(
        seal_seq=bindparam("seq"),
        prev_hash=bindparam("prev"),
        hash=bindparam("digest"),
        seal_key=bindparam("key"),
    )
)


def _write_seals(session: Session, seals: list[dict[str, Any]]) -> None:
    """Write the seals of a batch, built once and sent as one ``executemany`` where the
    driver counts its rows; each record still only while unsealed (:class:`SealRaced` when
    another sealer took one first)."""
    connection = session.connection()
    if connection.dialect.supports_sane_multi_rowcount:
        batches = [seals]
    else:  # pragma: no cover - every driver we support counts an executemany's rows
        batches = [[one] for one in seals]
    for batch in batches:
        result = connection.execute(SEAL_ROW, batch)
        if result.rowcount != len(batch):
            raise SealRaced  # another sealer took one of these records first
