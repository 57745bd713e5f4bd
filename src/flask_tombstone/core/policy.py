"""Policies (what "delete" means for a model) and rules (what happens to dependents)."""

from __future__ import annotations

import enum


class Policy(enum.Enum):
    """What deleting a row of a model means.

    ``SOFT`` rows are stamped and hidden, and can be restored exactly. ``HARD`` rows are removed
    physically and journaled. ``PROTECTED`` rows are never deleted: audit tables, legal holds.
    """

    SOFT = "soft"
    HARD = "hard"
    PROTECTED = "protected"


class Rule(enum.Enum):
    """What happens to the rows of a dependent table when the row they point at goes."""

    CASCADE = "cascade"
    """The dependents go too, in the same operation."""
    RESTRICT = "restrict"
    """Live dependents refuse the whole operation (every one is listed)."""
    SET_NULL = "set_null"
    """On hard delete the link is nulled (and journaled); a soft delete leaves it alone."""
    DETACH = "detach"
    """Many-to-many association rows are removed on hard delete (and journaled)."""
    KEEP = "keep"
    """Nothing happens: the developer takes responsibility for the link."""


#: Rules that remove the dependent rows along with their parent.
REMOVING_RULES = frozenset({Rule.CASCADE})
