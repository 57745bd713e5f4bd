"""Flask-Tombstone's core: safe, reversible, audited deletion on SQLAlchemy 2 alone.

Nothing in this package imports Flask; it runs on a plain ``Session`` as well as
Flask-SQLAlchemy's.
"""

from .anchor import Anchor, AnchorError, FileAnchor, Head, RedisAnchor
from .audit import AuditError, AuditSettings, Verification
from .audit_rows import SealedRows, SealedSource
from .errors import (
    AlreadyGone,
    Blocked,
    Blocker,
    ConfigurationError,
    Conflict,
    DatabaseFailure,
    InvalidTarget,
    NotFound,
    PlanChanged,
    Protected,
    RestoreConflict,
    RowRef,
    Settled,
    TombstoneError,
)
from .graph import Edge, ModelGraph, Node
from .journal_storage import compress_journal
from .listeners import UNGOVERNED
from .mixin import INCLUDE_DELETED, ONLY_DELETED, ProtectedMixin, SoftDeleteMixin, policy_of
from .policy import Policy, Rule
from .preview import Preview
from .purge import PurgedOperation, PurgeReport
from .records import JournalEntry, Operation, OperationKind, OperationStatus
from .restore import describe as describe_conflict
from .service import Tombstone
from .unique import unique_live

KEEP = Rule.KEEP
CASCADE = Rule.CASCADE
RESTRICT = Rule.RESTRICT
SET_NULL = Rule.SET_NULL
DETACH = Rule.DETACH

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
    "Anchor",
    "AnchorError",
    "AuditError",
    "AuditSettings",
    "Blocked",
    "Blocker",
    "ConfigurationError",
    "Conflict",
    "DatabaseFailure",
    "Edge",
    "FileAnchor",
    "Head",
    "InvalidTarget",
    "JournalEntry",
    "ModelGraph",
    "Node",
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
    "RedisAnchor",
    "RestoreConflict",
    "RowRef",
    "Rule",
    "SealedRows",
    "SealedSource",
    "Settled",
    "SoftDeleteMixin",
    "Tombstone",
    "TombstoneError",
    "Verification",
    "compress_journal",
    "describe_conflict",
    "policy_of",
    "unique_live",
]
