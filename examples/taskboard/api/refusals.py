"""A refusal of the destructive services (delete, restore, purge) as a problem: every reason
in words, and the engine's structured detail (``blockers``, ``conflicts``...) alongside."""

from __future__ import annotations

from typing import NoReturn

from flask_tombstone import TombstoneError
from taskboard.deletion.errors import Refused

from .problems import abort_problem


def abort_refused(refused: Refused) -> NoReturn:
    """Answer ``refused`` as ``application/problem+json`` with its status.

    ``retry_with_parents`` names the deletions that, restored along (``with_parents``), would
    let a refused restore through.
    """
    cause = refused.__cause__
    structured = cause.extensions() if isinstance(cause, TombstoneError) else {}
    if refused.retry_with_parents:
        structured["retry_with_parents"] = refused.retry_with_parents
    abort_problem(
        refused.status,
        refused.title,
        " ".join(refused.reasons),
        code=refused.code,
        reasons=refused.reasons,
        **structured,
    )
