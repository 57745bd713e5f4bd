"""Running the trials on one database: a warm-up, then every size's repetitions (the
trials' order rotated each repetition), the cascade, and the memory probes."""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .databases import Bench, Sample
from .memory import probe
from .trials import Tree, Trial, cascade_loop, cascade_trials, filter_trials

LOOP_REPS = 3  # runs of the tutorial loop over the tree

Samples = dict[str, list[Sample]]  # {measurement: one sample per repetition}


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...]
    reps: int | None  # None: 31 up to 10k rows, 11 up to 100k, 5 above
    loop_max: int
    loop_each_max: int
    tree: Tree
    memory: bool = True

    def reps_for(self, n: int) -> int:
        if self.reps is not None:
            return self.reps
        if n <= 10_000:
            return 31
        return 11 if n <= 100_000 else 5


@dataclass
class DatabaseResult:
    kind: str
    version: str
    sizes: dict[int, Samples] = field(default_factory=dict)
    cascade: Samples = field(default_factory=dict)
    memory: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def repeat(kind: str, label: str, trials: list[Trial], reps: int) -> Samples:
    samples: Samples = defaultdict(list)
    for rep in range(reps):
        shift = rep % len(trials)
        for trial in trials[shift:] + trials[:shift]:
            for name, sample in trial().items():
                samples[name].append(sample)
                flag = f"  WRONG: {sample.error}" if sample.error else ""
                log(
                    f"[{kind}] {label} rep {rep + 1}/{reps} {name:<22} "
                    f"{sample.seconds * 1000:10.1f} ms  {sample.statements:3d} stmts{flag}"
                )
    return dict(samples)


def run_database(bench: Bench, config: Config) -> DatabaseResult:
    result = DatabaseResult(bench.kind, bench.server_version())
    log(f"[{bench.kind}] {result.version}: warming up")
    small = min(1_000, *config.sizes)
    warm_up = filter_trials(bench, small, loop=True, loop_each=True)
    for trial in warm_up + cascade_trials(bench, Tree(min(200, config.tree.items), 5)):
        trial()
    for n in config.sizes:
        trials = filter_trials(
            bench, n, loop=n <= config.loop_max, loop_each=n <= config.loop_each_max
        )
        result.sizes[n] = repeat(bench.kind, f"N={n:,}", trials, config.reps_for(n))
    tree = config.tree
    label = f"cascade 1+{tree.items:,}+{tree.items * tree.comments:,}"
    reps = config.reps_for(tree.items)
    result.cascade = repeat(bench.kind, label, cascade_trials(bench, tree, loop=False), reps)
    # The loop takes seconds where the engine takes a fraction: a few runs pin its median.
    loop = [lambda: cascade_loop(bench, tree)]
    result.cascade |= repeat(bench.kind, label, loop, min(reps, LOOP_REPS))
    bench.reset()
    if config.memory:
        for n in sorted({min(config.sizes), max(config.sizes)}):
            log(f"[{bench.kind}] memory probe N={n:,}")
            result.memory[n] = probe(bench.kind, bench.url, n)
            log(f"[{bench.kind}] memory N={n:,}: {result.memory[n]}")
    return result


def describe(samples: list[Sample]) -> dict[str, Any]:
    """Median and every repetition of one measurement, for the JSON results."""
    seconds = sorted(s.seconds for s in samples)
    return {
        "median_s": median(seconds),
        "runs_s": [s.seconds for s in samples],
        "statements": sorted({s.statements for s in samples}),
        "errors": [s.error for s in samples if s.error],
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
