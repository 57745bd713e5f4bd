"""Verifying the audit chain: every hash recomputed, the key required, and the anchored heads
reached — and, as plainly, what a verification without key or anchor could not have caught.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row, Select, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from .anchor import Anchor, Head
from .audit_hash import GENESIS, PLAIN, SEALED_FIELDS, KeyRing, legacy_hash, record_digest
from .audit_rows import SealedSource, gather
from .errors import AuditError
from .operations import OPERATIONS
from .records import OperationStatus
from .sql import INTERNAL

PAGE = 500


class AuditSettingsLike(Protocol):
    @property
    def keys(self) -> KeyRing: ...

    @property
    def anchor(self) -> Anchor | None: ...


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`: ``ok``, or the first broken record and why.

    ``problem`` is ``tampered`` (a record or the rows sealed with it changed, or it holds a
    value its column cannot hold: a time that is no time, JSON that does not parse),
    ``missing`` (a record was removed or unsealed), ``reordered``, ``unkeyed`` (sealed without
    the key while one is configured), ``unknown_key``, ``diverged`` (the record at an anchored
    sequence number has another hash) or ``truncated`` (the chain ends before an anchored
    head).
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


@dataclass
class UnreadableRecord(AuditError):
    """A sealed record holds a value its column's type cannot read (edited in the database
    after the seal): ``row`` as stored, ``column`` the value's. ``verify`` reports it as
    ``tampered``; a re-key refuses the chain.
    """

    row: Any = None
    column: str = ""

    def __post_init__(self) -> None:
        if not self.detail:
            self.detail = (
                "a sealed record was edited after it was sealed: its "
                f"{self.column} holds a value the column's type cannot read"
            )
        super().__post_init__()


def row_values(row: Row[Any]) -> dict[str, Any]:
    mapping = row._mapping
    return {name: mapping[name] for name in SEALED_FIELDS}


def verify_chain(
    session: Session,
    settings: AuditSettingsLike,
    sources: Sequence[SealedSource],
    *,
    expect_head: Head | None = None,
    unkeyed_prefix: bool = False,
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
    keys = settings.keys
    anchor = settings.anchor
    expected: list[tuple[str, Head]] = []
    held = anchor.read() if anchor is not None else None
    if anchor is not None and held is not None:
        expected.append((anchor.url, held))
    if expect_head is not None:
        expected.append(("--expect-head", expect_head))
    walk = _Walk(keys, unkeyed_prefix=unkeyed_prefix or keys.current is None)
    try:
        broken = _walk_pages(session, walk, sources, expected)
    except UnreadableRecord as unreadable:
        broken = unreadable.row.id, *walk.unreadable(unreadable)
    if broken is not None:
        op_id, problem, detail = broken
        seq = walk.checked + 1  # for "missing", the number not found
        return Verification(False, walk.checked, op_id, seq, problem, detail, walk.head)
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
        warnings=_warnings(walk, keys, anchor, held, expect_head, bool(sources)),
    )


def _walk_pages(
    session: Session,
    walk: _Walk,
    sources: Sequence[SealedSource],
    expected: list[tuple[str, Head]],
) -> tuple[int, str, str] | None:
    """Walk every sealed record; the first broken one: ``(operation id, problem, detail)``.

    :raises UnreadableRecord: the records before it intact, the walk reached one holding a
        value its column cannot hold.
    """
    for page in pages(session):
        with_rows = gather(session, sources, [row.id for row in page if row.seal_key is not None])
        for row in page:
            broken = walk.check(row, with_rows.get(row.id, {}))
            if broken is None:
                broken = _against(row, expected)
            if broken is not None:
                return row.id, *broken
            walk.advance(row)
    return None


def _warnings(
    walk: _Walk,
    keys: KeyRing,
    anchor: Anchor | None,
    held: Head | None,
    expect: Head | None,
    sealing_rows: bool,
) -> tuple[str, ...]:
    """What this verification could not have caught, said plainly."""
    warnings = []
    if keys.current is None:
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
    if walk.legacy and sealing_rows:
        warnings.append(
            f"{walk.legacy} record(s) sealed before 0.2 do not cover the rows sealed "
            "with operations (sealed_with)"
        )
    return tuple(warnings)


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
        misplaced = self._misplaced(row)
        if misplaced is not None:
            return misplaced
        marker = row.seal_key
        values = row_values(row)
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

    def _misplaced(self, row: Row[Any]) -> tuple[str, str] | None:
        """``missing`` or ``reordered`` when ``row`` is not the record that comes next."""
        seq = self.checked + 1
        if row.seal_seq != seq:
            return "missing", f"seal {seq} is missing: the next sealed record is {row.seal_seq}"
        if row.prev_hash != self.prev:
            return "reordered", f"seal {seq} does not follow seal {seq - 1}"
        return None

    def unreadable(self, unreadable: UnreadableRecord) -> tuple[str, str]:
        """A record no hash can be computed of: ``tampered`` where it comes next (a value
        its column cannot hold was written after the seal, which wrote only readable ones),
        or why it does not come next."""
        row = unreadable.row
        return self._misplaced(row) or (
            "tampered",
            f"seal {self.checked + 1} (operation {row.id}) was edited after it was sealed: "
            f"its {unreadable.column} holds a value the column's type cannot read",
        )

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


def pages(session: Session) -> Iterator[Sequence[Row[Any]]]:
    """The sealed records in sequence order, a page at a time (keyset: no open cursor
    between pages, so other statements can run in between).

    :raises UnreadableRecord: a record holds a value its column's type cannot read (a time
        that is no time, JSON that does not parse): raised once the records before it are
        yielded, so that a walk reaches it in order.
    """
    last: int | None = None
    while True:
        page, unreadable = _read_page(session, last)
        if page:
            yield page
        if unreadable is not None:
            raise unreadable
        if len(page) < PAGE:
            return
        last = int(page[-1].seal_seq)


def _read_page(
    session: Session, last: int | None
) -> tuple[Sequence[Row[Any]], UnreadableRecord | None]:
    """The page of records after seal ``last``; where one of them holds a value its column
    cannot read, the records before it, and it."""
    try:
        return _read(session, _page(OPERATIONS.c, last)), None
    except (ValueError, TypeError):
        unreadable = _first_unreadable(session, last)
        if unreadable is None:  # not a stored value's fault
            raise
    before = OPERATIONS.c.seal_seq < unreadable.row.seal_seq
    return _read(session, _page(OPERATIONS.c, last).where(before)), unreadable


def _page(columns: Iterable[Any], last: int | None) -> Select[Any]:
    """A page of the sealed records, after seal ``last``."""
    query = (
        select(*columns)
        .where(OPERATIONS.c.seal_seq.is_not(None))
        .order_by(OPERATIONS.c.seal_seq)
        .limit(PAGE)
    )
    return query if last is None else query.where(OPERATIONS.c.seal_seq > last)


def _read(session: Session, query: Select[Any]) -> Sequence[Row[Any]]:
    return session.execute(query, execution_options=INTERNAL).all()


# The operations' columns as the driver gives them, undecoded by their types.
STORED = [type_coerce(column, NullType()).label(column.name) for column in OPERATIONS.c]


def _first_unreadable(session: Session, last: int | None) -> UnreadableRecord | None:
    """The first record after seal ``last`` holding a value its column's type cannot read,
    found by reading the page as stored and decoding each value as the typed query did.
    Only a page whose typed read failed comes here: a sound chain never does."""
    dialect = session.get_bind().dialect
    decoders = {
        column.name: column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in OPERATIONS.c
    }
    for row in _read(session, _page(STORED, last)):
        for name, value in row._mapping.items():
            decode = decoders[name]
            if decode is None or value is None:
                continue
            try:
                decode(value)
            except (ValueError, TypeError):
                return UnreadableRecord(row=row, column=str(name))
    return None


def _unsealed(session: Session) -> int:
    query = select(func.count()).where(
        OPERATIONS.c.seal_seq.is_(None), OPERATIONS.c.status == OperationStatus.DONE
    )
    return int(session.execute(query, execution_options=INTERNAL).scalar_one())
