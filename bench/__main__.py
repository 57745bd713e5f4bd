"""``python -m bench``: run every trial on every database, print the side-by-side table and
the targets, and write ``bench/results/latest.json``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy

from .databases import KINDS, POSTGRES_URL, Bench, scratch_database
from .report import as_json, statements_table, table, verdicts
from .runner import Config, DatabaseResult, log, run_database
from .trials import Tree

FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", help="rows deleted per run, e.g. 10000,100000")
    parser.add_argument("--db", default=",".join(KINDS), help="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 reps: a smoke run")
    parser.add_argument(
        "--reps", type=int, help="repetitions (default 31 up to 10k rows, 11 up to 100k, 5 above)"
    )
    parser.add_argument(
        "--loop-max",
        type=int,
        default=100_000,
        help="largest N the per-object loop over the flat table runs at (above: not run)",
    )
    parser.add_argument(
        "--loop-each-max",
        type=int,
        default=0,
        help="largest N the loop committing after every row runs at (off by default: it is "
        "quadratic, 150 s at 10k rows)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    unknown = set(args.db.split(",")) - set(KINDS)
    if unknown:
        parser.error(f"unknown database: {', '.join(sorted(unknown))}")
    return args


def machine(results: list[DatabaseResult]) -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kb = int(info.readline().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "databases": {r.kind: r.version for r in results},
    }


def main(argv: list[str]) -> int:
    args = parse(argv)
    sizes: tuple[int, ...] = QUICK_SIZES if args.quick else FULL_SIZES
    if args.sizes:
        sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(","))
    config = Config(
        sizes=tuple(sorted(sizes)),
        reps=args.reps or (2 if args.quick else None),
        loop_max=args.loop_max,
        loop_each_max=args.loop_each_max,
        tree=Tree(2_000, 5) if args.quick else Tree(),
        memory=not args.no_memory,
    )
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        log(
            f"warning: load average {load_before:.1f} on {os.cpu_count()} cores before the "
            "run: other work on this machine makes the figures noisy"
        )
    results: list[DatabaseResult] = []
    for kind in args.db.split(","):
        with ExitStack() as stack:
            url = stack.enter_context(scratch_database(kind, args.postgres_url))
            bench = Bench(kind, url)
            stack.callback(bench.close)
            results.append(run_database(bench, config))
    tree = config.tree
    tree_label = f"1/{tree.items // 1000}k/{tree.items * tree.comments // 1000}k"
    found = verdicts(results, list(config.sizes), config.loop_max)
    info = machine(results)
    info["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    elapsed = time.monotonic() - started
    print()
    print(
        f"Flask-Tombstone benchmark: {info['cores']} cores ({info['cpu']}), "
        f"Python {info['python']}, SQLAlchemy {info['sqlalchemy']}, "
        + ", ".join(r.version for r in results)
    )
    print(
        "median wall time, first statement to commit; engine / floor (hand-written SQL), "
        "or loop / engine for the tutorial loop; N = rows deleted out of 2N; "
        f"cascade tree = project/items/comments; {elapsed / 60:.0f} min in all; load average "
        f"{info['load_average']['before']:.1f} before, {info['load_average']['after']:.1f} after"
    )
    print()
    print("\n".join(table(results, config.sizes, tree_label)))
    print()
    print("\n".join(statements_table(results, list(config.sizes))))
    print()
    for verdict in found:
        print(f"{verdict.status}  {verdict.name}")
        if verdict.detail:
            print(f"      {verdict.detail}")
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv),
        "machine": info,
        "config": {
            "sizes": list(config.sizes),
            "reps": {str(n): config.reps_for(n) for n in config.sizes},
            "loop_max": config.loop_max,
            "loop_each_max": config.loop_each_max,
            "tree": {"items": tree.items, "comments_per_item": tree.comments},
        },
        "elapsed_s": elapsed,
    } | as_json(results, found)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    log(f"results written to {args.out}")
    return 0 if all(v.status != "FAIL" for v in found) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
