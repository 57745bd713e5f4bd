"""The preview: the planner's dry run, as one value for the HTML page, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import Blocker, RowRef
from .inspect_rows import find_blockers, sample_rows, summarize, token_of
from .planner import NestedRows, Permission, Plan
from .policy import Rule
from .sql import INTERNAL


@dataclass(frozen=True)
class Preview:
    """What an operation would do, counted by the database without loading the rows.

    ``token`` is the confirm token: pass it back as ``expect=`` to delete exactly this.

    .. versionadded:: 0.1
    """

    mode: str  # "soft" | "hard"
    model: str
    counts: dict[str, int]  # {model name: rows that would go}
    samples: dict[str, list[RowRef]]  # {model name: first rows by id}
    blockers: list[Blocker]
    blocker_count: int
    effects: dict[str, int] = field(default_factory=dict)  # {"Model.column" | table: rows}
    token: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def blocked(self) -> bool:
        return self.blocker_count > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "model": self.model,
            "counts": dict(self.counts),
            "total": self.total,
            "samples": {k: [r.as_dict() for r in v] for k, v in self.samples.items()},
            "blockers": [b.as_dict() for b in self.blockers],
            "blocker_count": self.blocker_count,
            "effects": dict(self.effects),
            "token": self.token,
        }


def build_preview(
    session: Session,
    plan: Plan,
    *,
    wrap: bool,
    sample_size: int,
    permission: Permission | None,
    actor: Any,
) -> Preview:
    sets = NestedRows(plan, wrap=wrap)
    blockers, total = find_blockers(session, plan, sets, permission=permission, actor=actor)
    effects: dict[str, int] = {}
    if plan.mode == "hard":
        for node in plan.nodes:
            for edge in node.dependents:
                if edge.rule not in (Rule.SET_NULL, Rule.DETACH):
                    continue
                query = (
                    select(func.count())
                    .select_from(edge.table)
                    .where(edge.links(sets.of(node), wrap=sets.wrap))
                )
                n = int(session.execute(query, execution_options=INTERNAL).scalar_one())
                key = edge.name if edge.rule is Rule.SET_NULL else edge.table.name
                if n:
                    effects[key] = effects.get(key, 0) + n
    summaries = summarize(session, plan, sets)  # the counts and the token, one statement
    return Preview(
        mode=plan.mode,
        model=plan.target.node.name,
        counts={name: count for name, (count, _) in summaries.items()},
        samples=sample_rows(session, plan, sets, sample_size),
        blockers=blockers,
        blocker_count=total,
        effects=effects,
        token=token_of(plan, summaries, total),
    )
