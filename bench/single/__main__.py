"""``python -m bench.single``: run both comparisons on every database, print the tables and
the targets (PASS/FAIL), and write ``bench/results/single-latest.json``.

Exit status 0 when every target is met, 1 otherwise."""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from .data import KINDS, load, scratch_database, settle
from .trials import Sides, Timing, collect

RESULTS = Path(__file__).resolve().parent.parent / "results" / "single-latest.json"
DELETE_TARGET = {"postgresql": 1.0, "sqlite": 1.5, "mariadb": 1.5}
STATEMENT_TARGET = 3
PREVIEW_TARGET = 1.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.single", description=__doc__)
    parser.add_argument("--db", default=",".join(KINDS))
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per side")
    parser.add_argument("--per-round", type=int, default=20, help="operations per side a round")
    parser.add_argument("--comments", type=int, default=50_000, help="table for the sides")
    parser.add_argument(
        "--preview-sizes", default="10000,1000000", help="comments in the small and large table"
    )
    parser.add_argument("--previews", type=int, default=31, help="timed previews per size")
    parser.add_argument(
        "--hook",
        choices=("exists", "in"),
        default="exists",
        help="the permission hook's form: correlated EXISTS (default) or IN (SELECT ...)",
    )
    parser.add_argument("--only", choices=("ops", "previews"), help="one comparison only")
    parser.add_argument("--quick", action="store_true", help="tiny: a smoke run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def per_op(timing: Timing) -> dict[str, Any]:
    return {
        "cpu_ms": statistics.median(timing.cpu) * 1000,
        "wall_ms": statistics.median(timing.wall) * 1000,
        "statements": sorted(timing.statements),
        "n": len(timing.cpu),
    }


def run_sides(sides: Sides, items: int, rounds: int, per_round: int) -> dict[str, Any]:
    """Every delete side, then every restore side, per round, their order rotated each
    round; each operation on an item of its own."""
    next_item = iter(range(1, items + 1))
    deletes: dict[str, Callable[[Any], Any]] = {
        "engine.delete": lambda s: sides.engine_ids(s, next(next_item)),
        "engine.load_delete": lambda s: sides.engine_load(s, next(next_item)),
        "hand.delete": lambda s: sides.hand_delete(s, next(next_item)),
        "hand.load_delete": lambda s: sides.hand_load(s, next(next_item)),
    }
    if sides.kind == "postgresql":
        deletes["one_statement.delete"] = lambda s: sides.cte_delete(s, next(next_item))
    restores: dict[str, Callable[[Any], Any]] = {
        "engine.restore": sides.engine_restore,
        "hand.restore": sides.hand_restore,
    }
    timings = {name: Timing() for name in [*deletes, *restores]}
    warm = Timing()
    for action in [*deletes.values(), *restores.values()] * 3:
        sides.time(action, warm)
    for number in range(rounds):
        for group in (deletes, restores):
            names = list(group)
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                collect()
                for _ in range(per_round):
                    sides.time(group[name], timings[name])
        log(f"[{sides.kind}] round {number + 1}/{rounds}")
    return {name: per_op(timing) for name, timing in timings.items()}


def _preview(sides: Sides, item_id: int, session: Any) -> None:
    sides.engine_preview(session, item_id)


def run_previews(kind: str, url: str, sizes: list[int], previews: int, hook: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    engine = create_engine(url)
    try:
        for size in sizes:
            log(f"[{kind}] loading {size:,} comments")
            items = load(engine, kind, size)
            sides = Sides(kind, engine, hook=hook)
            middle = items // 2
            preview = functools.partial(_preview, sides, middle)
            timing = Timing()
            for _ in range(3):
                sides.time(preview, Timing())
            for _ in range(previews):
                sides.time(preview, timing)
            found[str(size)] = per_op(timing)
            log(f"[{kind}] preview at {size:,}: {found[str(size)]}")
    finally:
        engine.dispose()
    return found


def run_kind(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    sizes = [int(s) for s in args.preview_sizes.split(",")]
    with scratch_database(kind) as url:
        found: dict[str, Any] = {"previews": {}, "ops": {}}
        if args.only != "ops":
            found["previews"] = run_previews(kind, url, sizes, args.previews, args.hook)
        if args.only == "previews":
            return found
        engine = create_engine(url)
        try:
            items = load(engine, kind, args.comments)
            settle(engine, kind)
            sides = Sides(kind, engine, hook=args.hook)
            found["ops"] = run_sides(sides, items, args.rounds, args.per_round)
        finally:
            engine.dispose()
    return found


RATIOS = (
    ("engine.delete", "hand.delete", "delete(Item, ids=[id])"),
    ("engine.load_delete", "hand.load_delete", "load + delete(item)"),
    ("engine.restore", "hand.restore", "restore(op)"),
    ("one_statement.delete", "hand.delete", "one statement (CTEs), for information"),
)


def report(results: dict[str, Any]) -> list[tuple[str, str]]:
    verdicts: list[tuple[str, str]] = []
    for kind, found in results.items():
        print(f"\n{kind}: per operation (median), CPU of this process and wall clock")
        print(f"  {'side':<22} {'stmts':>6} {'CPU ms':>8} {'wall ms':>8}")
        for name, row in found["ops"].items():
            stmts = "/".join(map(str, row["statements"]))
            print(f"  {name:<22} {stmts:>6} {row['cpu_ms']:8.3f} {row['wall_ms']:8.3f}")
        for ours, theirs, label in RATIOS:
            if ours not in found["ops"]:
                continue
            a, b = found["ops"][ours], found["ops"][theirs]
            cpu, wall = a["cpu_ms"] / b["cpu_ms"], a["wall_ms"] / b["wall_ms"]
            print(f"  {label:<40} CPU {cpu:5.2f}x  wall {wall:5.2f}x")
            if ours.startswith("engine."):
                target = DELETE_TARGET[kind]
                status = "PASS" if cpu <= target else "FAIL"
                verdicts.append((status, f"{kind} {label}: CPU {cpu:.2f}x <= {target}x"))
                most = max(a["statements"])
                status = "PASS" if most <= STATEMENT_TARGET else "FAIL"
                verdicts.append((status, f"{kind} {label}: {most} statements <= 3"))
        sizes = list(found["previews"])
        if not sizes:
            continue
        small, large = found["previews"][sizes[0]], found["previews"][sizes[-1]]
        ratio = large["wall_ms"] / small["wall_ms"]
        print(
            f"  preview of one item: {int(sizes[0]):,} comments {small['wall_ms']:.2f} ms, "
            f"{int(sizes[-1]):,} comments {large['wall_ms']:.2f} ms: {ratio:.2f}x "
            f"({'/'.join(map(str, large['statements']))} statements)"
        )
        status = "PASS" if ratio <= PREVIEW_TARGET else "FAIL"
        verdicts.append((status, f"{kind} preview {sizes[-1]} vs {sizes[0]}: {ratio:.2f}x"))
    return verdicts


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.quick:
        args.rounds, args.per_round, args.comments = 2, 3, 2_000
        args.preview_sizes, args.previews = "1000,5000", 3
    load_before = os.getloadavg()[0]
    results = {kind: run_kind(kind, args) for kind in args.db.split(",")}
    verdicts = report(results)
    print()
    for status, text in verdicts:
        print(f"{status}  {text}")
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.single " + " ".join(argv),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "results": results,
        "verdicts": verdicts,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    return 0 if all(status == "PASS" for status, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
