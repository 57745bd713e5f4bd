"""Flask-Tombstone: safe, reversible, audited deletion for Flask and SQLAlchemy 2.

``flask_tombstone.core`` is the engine (SQLAlchemy only); :class:`Tombstone` here is the Flask
extension built on it, imported on first use so that the core works without Flask installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core import (
    CASCADE,
    DETACH,
    INCLUDE_DELETED,
    KEEP,
    ONLY_DELETED,
    RESTRICT,
    SET_NULL,
    UNGOVERNED,
    AlreadyGone,
    Blocked,
    Blocker,
    ConfigurationError,
    Conflict,
    DatabaseFailure,
    InvalidTarget,
    JournalEntry,
    NotFound,
    Operation,
    OperationKind,
    OperationStatus,
    PlanChanged,
    Policy,
    Preview,
    Protected,
    ProtectedMixin,
    PurgedOperation,
    PurgeReport,
    RestoreConflict,
    RowRef,
    Rule,
    Settled,
    SoftDeleteMixin,
    TombstoneError,
    Verification,
    describe_conflict,
    errors,
    unique_live,
)
from .core import Tombstone as CoreTombstone

if TYPE_CHECKING:
    from .extension import Tombstone

__version__ = "0.1.0"
__all__ = [
    "CASCADE",
    "DETACH",
    "INCLUDE_DELETED",
    "KEEP",
    "ONLY_DELETED",
    "RESTRICT",
    "SET_NULL",
    "UNGOVERNED",
    "AlreadyGone",
    "Blocked",
    "Blocker",
    "ConfigurationError",
    "Conflict",
    "CoreTombstone",
    "DatabaseFailure",
    "InvalidTarget",
    "JournalEntry",
    "NotFound",
    "Operation",
    "OperationKind",
    "OperationStatus",
    "PlanChanged",
    "Policy",
    "Preview",
    "Protected",
    "ProtectedMixin",
    "PurgeReport",
    "PurgedOperation",
    "RestoreConflict",
    "RowRef",
    "Rule",
    "Settled",
    "SoftDeleteMixin",
    "Tombstone",
    "TombstoneError",
    "Verification",
    "describe_conflict",
    "errors",
    "unique_live",
]


def __getattr__(name: str) -> Any:
    if name == "Tombstone":
        from .extension import Tombstone

        return Tombstone
    raise AttributeError(name)
