"""Reading the HTTP samples: the side-by-side table, the targets (PASS/FAIL), the ratios for
information, the JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bench.report import Verdict
from bench.runner import median

from .runner import PairResult, Sample, Side


def _median(samples: list[Sample], attribute: str) -> float:
    return median([float(getattr(s, attribute)) for s in samples] or [0.0])


def table(results: list[PairResult], statements: dict[str, int]) -> list[str]:
    def label(side: Side) -> str:
        return f"{side.label}: {describe(side)}"

    width = max(
        len(text)
        for r in results
        for text in [*map(label, r.pair.sides), *(i.name for i in r.pair.information)]
    )

    def row(*cells: str) -> str:
        name, side, stmts, rps, spread, cpu, ratio, target = cells
        return (
            f"{name:<7} {side:<{width}} {stmts:>5} {rps:>8} {spread:>11} {cpu:>13} {ratio:>7}  "
            f"{target}"
        ).rstrip()

    head = row("", "side", "stmts", "req/s", "min..max", "server CPU", "ratio", "target")
    lines = [head, "-" * len(head)]
    for result in results:
        pair = result.pair
        for side in pair.sides:
            samples = result.samples.get(side.label, [])
            runs = [s.rps for s in samples] or [0.0]
            mine = side is pair.ours
            lines.append(
                row(
                    pair.name if mine else "",
                    label(side),
                    str(statements.get(side.label, "?")),
                    f"{result.median_rps(side):.1f}",
                    f"{min(runs):.0f}..{max(runs):.0f}",
                    f"{_median(samples, 'server_cpu_ms'):.2f} ms/req",
                    f"{result.ratio:.2f}x" if mine else "",
                    f">= {pair.target:g}x" if mine else "",
                )
            )
        for information in pair.information:
            value = result.divided(information.over, information.under)
            lines.append(row("", information.name, *[""] * 4, f"{value:.2f}x", "information"))
    return lines


def render(
    results: list[PairResult],
    statements: dict[str, int],
    found: list[Verdict],
    problems: list[str],
) -> list[str]:
    """The table, then a line per target, per ratio for information and per wrong answer."""
    lines = [*table(results, statements), ""]
    for verdict in found:
        lines += [f"{verdict.status}  {verdict.name}", f"      {verdict.detail}"]
    for result in results:
        for information in result.pair.information:
            value = result.divided(information.over, information.under)
            lines += [
                f"INFO  {result.pair.name}: {information.name} = {value:.2f}x (req/s)",
                f"      {information.meaning}",
            ]
    return lines + [f"WRONG  {problem}" for problem in problems]


def describe(side: Side) -> str:
    return f"{side.load.method} {side.load.path.replace('{id}', '<id>')}"


def verdicts(results: list[PairResult]) -> list[Verdict]:
    found: list[Verdict] = []
    for result in results:
        pair = result.pair
        errors = result.errors()
        passed = result.ratio >= pair.target and not errors
        ours_cpu, other_cpu = (
            _median(result.samples.get(side.label, []), "server_cpu_ms")
            for side in (pair.ours, pair.other)
        )
        detail = (
            f"{pair.ours.label} {result.median_rps(pair.ours):.1f} req/s / "
            f"{pair.other.label} {result.median_rps(pair.other):.1f} req/s = {result.ratio:.2f}x; "
            f"server CPU per request {ours_cpu:.2f} / {other_cpu:.2f} ms "
            f"(= {other_cpu / ours_cpu if ours_cpu else 0:.2f}x, for information)"
        )
        if errors:
            detail += " WRONG ANSWERS: " + "; ".join(errors)
        name = f"{pair.name}: {pair.ours.label} >= {pair.target:g}x {pair.other.label} (req/s)"
        found.append(Verdict(name, passed, detail, {"ratio": result.ratio, "errors": errors}))
    return found


def as_json(
    results: list[PairResult], found: list[Verdict], statements: dict[str, int]
) -> dict[str, Any]:
    return {
        "comparisons": {
            result.pair.name: {
                "target": result.pair.target,
                "ratio": result.ratio,
                "sides": {
                    side.label: {
                        "request": describe(side),
                        "server": side.server,
                        "statements_per_request": statements.get(side.label),
                        "median_rps": result.median_rps(side),
                        "median_server_cpu_ms": _median(
                            result.samples.get(side.label, []), "server_cpu_ms"
                        ),
                        "answered": result.answered(side),
                        "warm_up": asdict(result.warm_up[side.label]),
                        "runs": [asdict(s) for s in result.samples.get(side.label, [])],
                    }
                    for side in result.pair.sides
                },
                "information": [
                    {
                        "ratio": information.name,
                        "value": result.divided(information.over, information.under),
                        "meaning": information.meaning,
                    }
                    for information in result.pair.information
                ],
            }
            for result in results
        },
        "targets": [
            {"name": v.name, "status": v.status, "detail": v.detail, "figures": v.figures}
            for v in found
        ],
    }
