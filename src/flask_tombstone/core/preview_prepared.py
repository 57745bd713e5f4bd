"""The preview of a soft delete by keys — what a confirmation page or ``GET
…/deletion-preview`` asks on every request — on statements built once.

Per (model, one key or several, samples asked, shape of the permission hook's criteria), on
the plan of deleting the model's rows by a key parameter (:func:`.prepared.template_plan`):
one statement of the checks' probes (permission, RESTRICT, protected) with every model's
count and id summary (the confirm token), then one statement of every model's samples; all
run with bound parameters only. When a probe finds anything, the general preview lists the
blockers (:func:`.preview.build_preview`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists
from sqlalchemy.orm import Session

from .graph import ModelGraph
from .inspect_rows import (
    probe_criteria,
    read_samples_in_one,
    read_summaries,
    sample_statements,
    samples_in_one,
    summary_statement,
    token_of,
)
from .planner import NestedRows, Permission, Plan
from .prepared import HookCriteria, key_params, prepared_target, template_plan
from .sql import INTERNAL, dialect_name


@dataclass(frozen=True)
class Found:
    """What the prepared statements found: nothing blocks, the counts and the token."""

    counts: dict[str, int]
    samples: dict[str, Any]
    token: str


@dataclass(frozen=True)
class _Built:
    checked: Any  # the probes, then the summaries
    probes: int
    samples: Any  # every model's samples, one statement (None: none asked)


def prepared_preview(
    session: Session,
    graph: ModelGraph,
    plan: Plan,
    *,
    wrap: bool,
    sample_size: int,
    permission: Permission | None,
    actor: Any,
) -> Found | None:
    """The preview of ``plan`` when it is a soft delete by keys that nothing blocks; ``None``
    when it is not such a delete, or something blocks it (the caller lists what)."""
    target = plan.target
    if plan.mode != "soft" or not prepared_target(target):
        return None
    assert target.ids is not None
    many = len(target.ids) > 1
    template = template_plan(graph, target.node, many)
    hook = HookCriteria(template, permission, actor)
    postgresql = dialect_name(session) == "postgresql"
    key = ("preview", id(target.node), many, wrap, postgresql, sample_size)
    built, params = hook.remembered(
        graph, key, lambda: _build(template, hook, wrap, postgresql, sample_size)
    )
    params |= key_params(target.ids)
    row = session.execute(built.checked, params, execution_options=INTERNAL).one()
    if any(row[: built.probes]):
        return None
    summaries = read_summaries(template, row)
    return Found(
        counts={name: count for name, (count, _) in summaries.items()},
        samples=read_samples_in_one(session, template, built.samples, params),
        token=token_of(plan, summaries, 0),
    )


def _build(
    template: Plan, hook: HookCriteria, wrap: bool, postgresql: bool, sample_size: int
) -> _Built:
    sets = NestedRows(template, wrap=wrap)
    probes = [
        exists().select_from(node.table).where(where).label(f"tombstone_p{number}")
        for number, (node, where) in enumerate(probe_criteria(template, sets, hook.allowed))
    ]
    checked = summary_statement(template, sets, *probes)
    statements = sample_statements(template, sets, sample_size)
    samples = samples_in_one(template, statements, cast_nulls=postgresql)
    return _Built(checked, len(probes), samples)
