"""Reading the samples: the side-by-side table, the targets (PASS/FAIL) and the JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .runner import DatabaseResult, Samples, describe, median

LOOP_AT = 100_000  # the size the per-object loop target is stated at
MEMORY_SLACK_MB = 50.0


@dataclass(frozen=True)
class Comparison:
    """The engine's median against another side's: ``engine / floor`` must stay at or under
    ``limit``, or, for a ``speedup``, ``other / engine`` must reach it."""

    label: str
    engine: str
    other: str
    limit: float
    speedup: bool = False
    info: bool = False  # shown, never a target

    def ratio(self, samples: Samples) -> float | None:
        if self.engine not in samples or self.other not in samples:
            return None
        engine = median([s.seconds for s in samples[self.engine]])
        other = median([s.seconds for s in samples[self.other]])
        return other / engine if self.speedup else engine / other

    def errors(self, samples: Samples) -> list[str]:
        found = samples.get(self.engine, []) + samples.get(self.other, [])
        return sorted({s.error for s in found if s.error})

    def meets(self, ratio: float) -> bool:
        return ratio >= self.limit if self.speedup else ratio <= self.limit

    @property
    def target(self) -> str:
        if self.info:
            return "(for information)"
        return f">= {self.limit:g}x faster" if self.speedup else f"<= {self.limit:g}x"


SOFT = Comparison("soft delete by filter", "soft.engine", "soft.floor", 1.3)
HARD = Comparison("hard delete, no snapshot", "hard.engine", "hard.floor", 1.3)
SNAPSHOT = Comparison("hard delete + snapshots", "hard_snapshot.engine", "hard.floor", 3.0)
SNAPSHOT_COPY = Comparison(
    "snapshots / copy-then-DELETE", "hard_snapshot.engine", "hard_copy.floor", 3.0, info=True
)
LOOP_FLAT = Comparison("tutorial loop / engine soft", "soft.engine", "loop", 30.0, True, True)
LOOP_FLAT_FLOOR = Comparison("tutorial loop / hand-written", "soft.floor", "loop", 30.0, True, True)
LOOP_EACH = Comparison(
    "loop, commit per row / engine", "soft.engine", "loop_each", 30.0, True, True
)
BY_FILTER = (SOFT, HARD, SNAPSHOT, SNAPSHOT_COPY, LOOP_FLAT, LOOP_FLAT_FLOOR, LOOP_EACH)
CASCADE_SOFT = Comparison("soft cascade", "cascade.engine", "cascade.floor", 1.5)
RESTORE = Comparison("restore of the cascade", "restore.engine", "restore.floor", 1.5)
# Issue 11: row 4 is judged as the engine within 1.1x the floor of the same work (the
# floor itself is ~24-35x the loop); the loop ratio is printed for information.
LOOP_TREE_WORK = Comparison(
    "engine cascade / hand-written (same work)", "cascade.engine", "cascade.floor", 1.1
)
LOOP_TREE = Comparison(
    "tutorial loop / engine cascade", "cascade.engine", "cascade.loop", 30.0, True, True
)
LOOP_TREE_FLOOR = Comparison(
    "tutorial loop / hand-written", "cascade.floor", "cascade.loop", 30.0, True, True
)
# The loop deletes for good: the engine doing that same work, for information.
CASCADE_HARD = Comparison(
    "hard cascade", "cascade_hard.engine", "cascade_hard.floor", 1.3, info=True
)
LOOP_TREE_HARD = Comparison(
    "tutorial loop / engine hard", "cascade_hard.engine", "cascade.loop", 30.0, True, True
)
CASCADE = (
    CASCADE_SOFT,
    RESTORE,
    LOOP_TREE_WORK,
    LOOP_TREE,
    LOOP_TREE_FLOOR,
    CASCADE_HARD,
    LOOP_TREE_HARD,
)
COUNTED = (
    ("soft.engine", "soft delete by filter"),
    ("hard.engine", "hard delete"),
    ("hard_snapshot.engine", "hard delete + snapshots"),
)
COUNTED_TREE = (("cascade.engine", "soft cascade"), ("restore.engine", "restore"))


def seconds(value: float) -> str:
    return f"{value:8.2f} s " if value >= 10 else f"{value * 1000:8.1f} ms"


def _cell(comparison: Comparison, samples: Samples) -> str:
    ratio = comparison.ratio(samples)
    if ratio is None:
        return f"{'':>11} {'skipped':>11} {'':>8}"
    engine = median([s.seconds for s in samples[comparison.engine]])
    other = median([s.seconds for s in samples[comparison.other]])
    wrong = " !" if comparison.errors(samples) else ""
    return f"{seconds(engine)} {seconds(other)} {ratio:7.2f}x{wrong}"


def table(results: list[DatabaseResult], sizes: Iterable[int], tree_label: str) -> list[str]:
    width = 32
    top = f"{'':<30} {'':>10}  " + "  ".join(f"{r.kind:^{width}}" for r in results)
    head = f"{'measure':<30} {'N':>10}  " + "  ".join(
        f"{'engine':>11} {'floor/loop':>11} {'ratio':>8}" for _ in results
    )
    lines = [top, head, "-" * (len(head) + 14)]
    for comparison in BY_FILTER:
        for n in sizes:
            points = [r.sizes.get(n, {}) for r in results]
            if comparison.info and all(comparison.ratio(p) is None for p in points):
                continue
            cells = "  ".join(_cell(comparison, p) for p in points)
            lines.append(f"{comparison.label:<30} {n:>10,}  {cells}  {comparison.target}")
    for comparison in CASCADE:
        cells = "  ".join(_cell(comparison, r.cascade) for r in results)
        lines.append(f"{comparison.label:<30} {tree_label:>10}  {cells}  {comparison.target}")
    return lines


# -- targets ----------------------------------------------------------------------------------
@dataclass
class Verdict:
    name: str
    passed: bool
    detail: str
    figures: dict[str, Any]
    measured: bool = True

    @property
    def status(self) -> str:
        if not self.measured:
            return "SKIP"
        return "PASS" if self.passed else "FAIL"


Points = dict[str, Samples]  # {label of a size (or of the tree): samples}


PointsOf = Callable[[DatabaseResult], Points]


def by_size(sizes: list[int]) -> PointsOf:
    return lambda result: {f"{n:,}": result.sizes[n] for n in sizes if n in result.sizes}


def the_tree(result: DatabaseResult) -> Points:
    return {"tree": result.cascade}


def ratio_verdict(
    name: str, comparison: Comparison, results: list[DatabaseResult], points: PointsOf
) -> Verdict:
    """``points(result) -> {label: samples}``: where the comparison is checked."""
    passed = True
    parts: list[str] = []
    figures: dict[str, Any] = {}
    for result in results:
        shown: list[str] = []
        for label, samples in points(result).items():
            ratio = comparison.ratio(samples)
            if ratio is None:
                continue
            errors = comparison.errors(samples)
            ok = (comparison.info or comparison.meets(ratio)) and not errors
            passed &= ok
            figures[f"{result.kind}:{label}"] = {"ratio": ratio, "pass": ok, "errors": errors}
            mark = "" if ok else "(!)"
            shown.append(f"{ratio:.2f}{mark}" + (f" WRONG RESULT: {errors[0]}" if errors else ""))
        parts.append(f"{result.kind} " + " ".join(shown))
    return Verdict(name, passed, " | ".join(parts), figures, measured=bool(figures))


def loop_verdict(results: list[DatabaseResult], sizes: list[int], loop_max: int) -> Verdict:
    """The loop over the tree is the target (the ORM loads each item's comments, as the
    tutorials' schema makes it); the loop over the flat table is shown beside it, with what
    the hand-written statement itself achieves against that loop."""
    work = ratio_verdict("", LOOP_TREE_WORK, results, the_tree)
    tree = ratio_verdict("", LOOP_TREE, results, the_tree)
    tree_floor = ratio_verdict("", LOOP_TREE_FLOOR, results, the_tree)
    tree_hard = ratio_verdict("", LOOP_TREE_HARD, results, the_tree)
    measured = [n for n in sizes if n <= loop_max]
    at = LOOP_AT if LOOP_AT in measured else max(measured, default=0)
    flat = ratio_verdict("", LOOP_FLAT, results, by_size([at]))
    floor = ratio_verdict("", LOOP_FLAT_FLOOR, results, by_size([at]))
    name = (
        "4. engine <= 1.1x the hand-written floor of the tutorial loop's work "
        "(the 120k-row cascade; the loop ratio for information)"
    )
    detail = (
        f"engine / floor: {work.detail} || for information: tree, loop / engine "
        f"{tree.detail}; tree, loop / hand-written UPDATEs "
        f"{tree_floor.detail}; tree, engine hard delete (the loop's own work) "
        f"{tree_hard.detail}; flat table, {at:,} rows (no dependents): "
        f"engine {flat.detail}; hand-written UPDATE {floor.detail}"
    )
    figures = {
        "work": work.figures,
        "tree": tree.figures,
        "tree_floor": tree_floor.figures,
        "tree_hard": tree_hard.figures,
        "flat": flat.figures,
        "flat_floor": floor.figures,
    }
    return Verdict(name, work.passed, detail, figures, measured=work.measured)


def memory_verdict(results: list[DatabaseResult]) -> Verdict:
    passed = True
    parts: list[str] = []
    figures: dict[str, Any] = {}
    for result in results:
        if len(result.memory) < 2:
            continue
        small, large = min(result.memory), max(result.memory)
        for mode in ("soft", "hard_snapshot"):
            rss = (
                result.memory[large][mode]["rss_growth_mb"]
                - result.memory[small][mode]["rss_growth_mb"]
            )
            traced = (
                result.memory[large][mode]["tracemalloc_peak_mb"]
                - result.memory[small][mode]["tracemalloc_peak_mb"]
            )
            ok = rss <= MEMORY_SLACK_MB and traced <= MEMORY_SLACK_MB
            passed &= ok
            figures[f"{result.kind}:{mode}"] = {"rss_mb": rss, "tracemalloc_mb": traced}
            parts.append(f"{result.kind} {mode} {rss:+.1f} MB RSS, {traced:+.1f} MB traced")
    sizes = sorted({n for r in results for n in r.memory})
    span = f"{sizes[-1]:,} vs {sizes[0]:,}" if len(sizes) > 1 else "n/a"
    name = f"5. peak memory flat in N: {span} rows within {MEMORY_SLACK_MB:g} MB"
    if not parts:
        return Verdict(name, False, "not measured", figures, measured=False)
    return Verdict(name, passed, " | ".join(parts), figures)


def statement_counts(result: DatabaseResult) -> dict[str, dict[str, list[int]]]:
    counts: dict[str, dict[str, list[int]]] = {}
    for key, _ in COUNTED:
        counts[key] = {
            str(n): sorted({s.statements for s in samples[key]})
            for n, samples in result.sizes.items()
            if key in samples
        }
    for key, _ in COUNTED_TREE:
        if key in result.cascade:
            counts[key] = {"tree": sorted({s.statements for s in result.cascade[key]})}
    return counts


def statements_verdict(results: list[DatabaseResult]) -> Verdict:
    passed = True
    figures = {r.kind: statement_counts(r) for r in results}
    for per_kind in figures.values():
        for key, _ in COUNTED:
            values = {v for counts in per_kind.get(key, {}).values() for v in counts}
            passed &= len(values) <= 1
    return Verdict("6. statements per operation independent of N", passed, "", figures)


def statements_table(results: list[DatabaseResult], sizes: list[int]) -> list[str]:
    lines = [
        "statements per engine operation (DBAPI cursor executes, incl. SAVEPOINT/RELEASE), "
        "for N = " + ", ".join(f"{n:,}" for n in sizes)
    ]
    for result in results:
        counts = statement_counts(result)
        for key, label in COUNTED + COUNTED_TREE:
            per = counts.get(key, {})
            shown = " ".join("/".join(map(str, v)) for v in per.values())
            lines.append(f"  {result.kind:<11} {label:<26} {shown}")
    return lines


def verdicts(results: list[DatabaseResult], sizes: list[int], loop_max: int) -> list[Verdict]:
    every = by_size(sizes)
    return [
        ratio_verdict("1. soft delete by filter <= 1.3x hand-written UPDATE", SOFT, results, every),
        ratio_verdict(
            "2a. soft cascade <= 1.5x per-level UPDATEs", CASCADE_SOFT, results, the_tree
        ),
        ratio_verdict("2b. restore <= 1.5x per-level UPDATEs back", RESTORE, results, the_tree),
        ratio_verdict("3a. hard delete <= 1.3x raw DELETE", HARD, results, every),
        ratio_verdict("3b. hard delete + snapshots <= 3x raw DELETE", SNAPSHOT, results, every),
        loop_verdict(results, sizes, loop_max),
        memory_verdict(results),
        statements_verdict(results),
    ]


def as_json(results: list[DatabaseResult], found: list[Verdict]) -> dict[str, Any]:
    return {
        "databases": {
            r.kind: {
                "version": r.version,
                "sizes": {
                    str(n): {key: describe(s) for key, s in samples.items()}
                    for n, samples in r.sizes.items()
                },
                "cascade": {key: describe(s) for key, s in r.cascade.items()},
                "memory_mb": {str(n): probe for n, probe in r.memory.items()},
            }
            for r in results
        },
        "targets": [
            {"name": v.name, "status": v.status, "detail": v.detail, "figures": v.figures}
            for v in found
        ],
    }
