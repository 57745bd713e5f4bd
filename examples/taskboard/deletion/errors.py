"""The domain exception of every destructive service: a title, every reason, a status."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Refused(Exception):
    """A delete, bulk delete, restore or purge that cannot happen, with every reason why.

    ``status`` is what the HTTP layer answers with (403, 404, 409, 422); ``code`` names the
    case for templates and tests; ``retry_with_parents`` lists deletions that, restored
    together, would let a restore through.
    """

    title: str
    reasons: list[str] = field(default_factory=list)
    status: int = 409
    code: str = "refused"
    retry_with_parents: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.title)
