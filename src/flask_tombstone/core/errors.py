"""One exception hierarchy, each carrying structured detail for the HTTP layers.

Every error has a ``status`` (the HTTP status a web layer should answer with), a ``title`` and
``detail`` written for people, and :meth:`TombstoneError.extensions`: JSON-ready fields such as
``blockers`` or ``conflicts``. Nothing here ever contains raw database text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowRef:
    """One row named in an error or a preview: its model, primary key and a label for people."""

    model: str
    id: Any  # an int, or the text of a UUID or string key
    label: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Blocker:
    """Why one row stops an operation.

    ``reason`` is one of ``restrict`` (a live dependent row points at a row being deleted),
    ``protected`` (the row's model is protected), ``forbidden`` (the actor may not delete it);
    for a purge, ``live`` (a live row below a trashed one, which a purge never removes) and
    ``other_operation`` (a row another operation trashed: purge that one first).
    ``row`` is the row that blocks; ``target`` the row it protects, where there is one.
    """

    reason: str
    row: RowRef
    via: str | None = None
    target: RowRef | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "row": self.row.as_dict(),
            "via": self.via,
            "target": self.target.as_dict() if self.target else None,
        }


@dataclass(frozen=True)
class RestoreConflict:
    """Why one row of an operation cannot come back.

    ``reason`` is ``parent_in_trash`` (its parent was deleted by another operation, named in
    ``other_operation``) or ``unique`` (a live row now holds the same unique value).
    """

    reason: str
    row: RowRef
    other: RowRef | None = None
    other_operation: int | None = None
    columns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "row": self.row.as_dict(),
            "other": self.other.as_dict() if self.other else None,
            "other_operation": self.other_operation,
            "columns": list(self.columns),
        }


@dataclass
class TombstoneError(Exception):
    """Base of every error Flask-Tombstone raises on purpose."""

    detail: str = ""
    status: int = field(default=500, init=False)
    title: str = field(default="Deletion error", init=False)
    code: str = field(default="error", init=False)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.detail or self.title)

    def __str__(self) -> str:
        return self.detail or self.title

    def extensions(self) -> dict[str, Any]:
        """Structured, JSON-ready fields beyond title and detail."""
        return {}


@dataclass
class ConfigurationError(TombstoneError):
    """The model graph declares a rule the engine cannot honour."""

    model: str = ""
    column: str | None = None

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 500, "Invalid deletion configuration", "configuration"
        super().__post_init__()


@dataclass
class InvalidTarget(TombstoneError):
    """What was asked cannot be an operation (wrong type, empty filter, bad ids...)."""

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 422, "Invalid deletion request", "invalid"
        super().__post_init__()


@dataclass
class NotFound(TombstoneError):
    """The rows or the operation asked for do not exist (or are already gone)."""

    model: str = ""
    ids: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 404, "Not found", "not_found"
        super().__post_init__()

    def extensions(self) -> dict[str, Any]:
        return {"model": self.model} if self.model else {}


@dataclass
class AlreadyGone(NotFound):
    """The row was deleted by someone else first (a concurrent or earlier operation)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.title, self.code = "Already deleted", "already_gone"


@dataclass
class Protected(TombstoneError):
    """The model is protected: its rows are never deleted."""

    model: str = ""

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 403, "Protected", "protected"
        super().__post_init__()

    def extensions(self) -> dict[str, Any]:
        return {"model": self.model}


@dataclass
class Blocked(TombstoneError):
    """Rows refuse the operation. Carries every blocker found (capped), and their total."""

    blockers: list[Blocker] = field(default_factory=list)
    total: int = 0

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 409, "Deletion blocked", "blocked"
        self.total = self.total or len(self.blockers)
        if not self.detail:
            self.detail = f"{self.total} row(s) block this deletion"
        super().__post_init__()

    def extensions(self) -> dict[str, Any]:
        return {"blockers": [b.as_dict() for b in self.blockers], "blocker_count": self.total}


@dataclass
class Conflict(TombstoneError):
    """The operation conflicts with the current state of the data."""

    conflicts: list[RestoreConflict] = field(default_factory=list)
    total: int = 0

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 409, "Conflict", "conflict"
        super().__post_init__()

    def extensions(self) -> dict[str, Any]:
        if not self.conflicts:
            return {}
        return {
            "conflicts": [c.as_dict() for c in self.conflicts],
            "conflict_count": self.total or len(self.conflicts),
        }


@dataclass
class PlanChanged(Conflict):
    """The data changed since the preview whose confirm token was given."""

    expected: str = ""
    actual: str = ""

    def __post_init__(self) -> None:
        if not self.detail:
            self.detail = "What this deletion would remove changed since it was previewed"
        super().__post_init__()
        self.title, self.code = "Plan changed", "plan_changed"

    def extensions(self) -> dict[str, Any]:
        return {"expected_token": self.expected, "current_token": self.actual}


@dataclass
class Settled(Conflict):
    """The deletion was already restored or purged (by this caller or a concurrent one)."""

    op_id: int | None = None
    by: int | None = None  # the restore or purge operation that settled it
    kind: str = ""  # its kind: "restore" or "purge"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.title, self.code = "Already settled", "settled"

    def extensions(self) -> dict[str, Any]:
        return {"operation": self.op_id, "settled_by": self.by, "settled_kind": self.kind}


@dataclass
class DatabaseFailure(TombstoneError):
    """The database refused a statement; the operation was rolled back as a whole.

    The original exception is chained (``__cause__``) for logs; the message never repeats it.
    """

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 503, "Database error", "database"
        if not self.detail:
            self.detail = "The database refused the operation; nothing was changed"
        super().__post_init__()


@dataclass
class AuditError(TombstoneError):
    """The audit chain does not verify as it stands: a re-key was refused, or a sealed record
    holds a value its column cannot hold."""

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 409, "Audit chain broken", "audit"
        super().__post_init__()
