"""``python -m bench.http``: HTTP throughput under gunicorn on PostgreSQL, side by side.

DELETE: Taskboard's ``DELETE /api/items/<id>`` (token, scoped loader, soft delete through the
engine, operation row) against the tutorials' delete view behind Taskboard's own request
handling (``bench.http.handled``: the same token, loader, limits and headers, an ORM hard
delete); measured alongside, for information, the tutorials' bare view on the same schema
and data (it authenticates nothing, so it is no yardstick).
PREVIEW: ``GET /api/items/<id>/deletion-preview`` against the handled view that counts the
item's live comments, as a tutorial's "are you sure?" page does.
RESTORE: ``POST /api/operations/<id>/restore`` against the handled view that resets the
deletion's rows with one ``UPDATE`` per table, one trashed operation per request.
LIST: ``GET /api/items?project_id=...`` with soft-delete filtering against the same app with
the filtering switched off. Prints the table and the targets, writes
``bench/results/http-latest.json``; exits 1 when a target is missed, 2 on a wrong answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from bench.__main__ import machine
from bench.databases import POSTGRES_URL, scratch_database
from bench.runner import log
from taskboard import config as taskboard_config

from . import checks, handled, statements
from .load import Load
from .report import as_json, render, verdicts
from .runner import Pair, PairResult, Ratio, Side, run_pair
from .seed import DELETE_SIDES, RESTORE_SIDES, Layout, Seeded, seed, settle
from .servers import Gunicorn, Server, serve

RESULTS = Path(__file__).resolve().parents[1] / "results" / "http-latest.json"
APPS = {
    "taskboard": "taskboard.wsgi:app",
    "unfiltered": "bench.http.unfiltered:app",
    "tutorial": "bench.tutorial_app:create_app()",
    "handled": "bench.http.handled:production()",
}
DELETE_TARGET = 0.9  # ours over handled
LIST_TARGET = 0.95
PREVIEW_TARGET = 0.9
RESTORE_TARGET = 0.9


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per turn")
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds per side, unmeasured")
    # 15 turns: single turns move by up to +-15% on this machine; the median of 7 moved the
    # LIST ratio by several percent from run to run, the median of 15 by about one.
    parser.add_argument("--reps", type=int, default=15, help="turns per side (median reported)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    # Enough for the bare view at ~1,400 req/s through 15 turns of 5 s and the warm-up; a
    # client that runs out of ids is reported as a wrong answer, never silently.
    parser.add_argument("--side-items", type=int, default=130_000, help="items per DELETE side")
    parser.add_argument("--list-items", type=int, default=2_000, help="items in listed project")
    # Enough for a restore side at ~1,000 req/s through the turns and the warm-up (the handled
    # DELETE ran at ~730). Seeding and sealing 40,000 deletions took 20 s here.
    parser.add_argument(
        "--restore-ops", type=int, default=100_000, help="trashed operations per RESTORE side"
    )
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny and fast")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warm_up, args.reps = 0.5, 0.3, 1
        args.clients, args.workers, args.threads = 2, 1, 2
        args.side_items, args.list_items, args.restore_ops = 1_000, 100, 1_000
    return args


def pairs(seeded: Seeded, servers: dict[str, Server], args: argparse.Namespace) -> list[Pair]:
    auth = {"Authorization": f"Bearer {seeded.token}"}
    listed = f"/api/items?project_id={seeded.projects['listed']}&per_page={args.per_page}"

    def side(label: str, server: str, method: str, path: str, expect: int = 200) -> Side:
        headers = {} if server == "tutorial" else auth  # the tutorial's view asks for nothing
        base, ranges = servers[server].base, seeded.ranges.get(label)
        repeat = method == "GET" and ranges is not None  # a preview changes nothing: reused
        load = Load(base, method, path, headers, args.clients, args.duration, ranges, repeat)
        return Side(label, server, load, expect)

    ours = side("ours", "taskboard", "DELETE", "/api/items/{id}", 204)
    bare = side("bare", "tutorial", "DELETE", "/api/items/{id}", 204)
    behind = side("handled", "handled", "DELETE", handled.PATH, 204)
    return [
        Pair(
            "DELETE",
            ours,
            behind,
            DELETE_TARGET,
            extra=(bare,),
            information=(
                Ratio(
                    ours,
                    bare,
                    "the whole of Taskboard's DELETE over the tutorials' bare view, which "
                    "authenticates nothing (so it is not the yardstick)",
                ),
                Ratio(
                    behind,
                    bare,
                    "Taskboard's request handling (token, scoped loader and permission, "
                    "flask-smorest, rate limits, headers) around the tutorials' view",
                ),
            ),
        ),
        Pair(
            "LIST",
            side("filtered", "taskboard", "GET", listed),
            side("unfiltered", "unfiltered", "GET", listed),
            LIST_TARGET,
        ),
        Pair(
            "PREVIEW",
            side("ours-preview", "taskboard", "GET", "/api/items/{id}/deletion-preview"),
            side("handled-preview", "handled", "GET", handled.PREVIEW_PATH),
            PREVIEW_TARGET,
        ),
        Pair(
            "RESTORE",
            side("ours-restore", "taskboard", "POST", "/api/operations/{id}/restore"),
            side("handled-restore", "handled", "POST", handled.RESTORE_PATH),
            RESTORE_TARGET,
        ),
    ]


def out_of_reach() -> dict[str, str]:
    """Every Taskboard rate limit set far above what the load can reach: the limiter still
    runs on every request (its cost is part of ours), it just never answers 429."""
    return {
        key: "1000000000 per hour"
        for key in taskboard_config.DEFAULTS
        if key.startswith("TASKBOARD_") and key.endswith("_LIMIT")
    }


def header(info: dict[str, Any], args: argparse.Namespace) -> str:
    return (
        f"HTTP throughput: {info['cores']} cores ({info['cpu']}), Python {info['python']}, "
        f"{info['database']}; {info['server']} per server; {args.clients} keep-alive clients "
        f"(http.client, separate process); {args.reps} turns of {args.duration:g} s per side, "
        f"interleaved, after {args.warm_up:g} s of warm-up; median req/s; load average "
        f"{info['load_average']['before']:.1f} before, {info['load_average']['after']:.1f} after"
    )


def server_version(url: str) -> str:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


def main(argv: list[str]) -> int:
    args = parse(argv)
    settings = Gunicorn(
        workers=args.workers,
        threads=args.threads,
        worker_connections=-(-args.clients // args.workers),
    )
    layout = Layout(
        args.list_items, args.side_items, clients=args.clients, restore_ops=args.restore_ops
    )
    started, load_before = time.monotonic(), os.getloadavg()[0]
    env = {"SECRET_KEY": "http-bench", "TASKBOARD_SECURE_COOKIES": "false"} | out_of_reach()
    with (
        scratch_database("postgresql", args.postgres_url) as url,
        tempfile.TemporaryDirectory(prefix="tombstone-http-") as logs,
    ):
        version = server_version(url)
        log(
            f"{version}: seeding {len(DELETE_SIDES)} x {args.side_items:,} items to delete, "
            f"3 x {args.list_items:,} to list, {len(RESTORE_SIDES)} x {args.restore_ops:,} "
            "deletions to restore"
        )
        seeded = seed(url, layout)
        log(f"seeded {seeded.counts}; starting {len(APPS)} servers: {settings.describe()}")
        with serve(APPS, settings, env | {"DATABASE_URL": url}, Path(logs)) as servers:
            compared = pairs(seeded, servers, args)
            named = {pair.name: pair for pair in compared}
            problems = checks.same_page(named["LIST"].ours, named["LIST"].other, args.per_page)
            problems += checks.same_counts(named["PREVIEW"], layout.comments)
            results: list[PairResult] = []
            for pair in compared:
                # Each comparison starts on a settled database: the DELETE turns leave tens of
                # thousands of dead rows and dirty pages, whose autovacuum and checkpoint would
                # otherwise land in some of the next comparison's turns and not in others.
                settle(url)
                results.append(run_pair(pair, servers, args.reps, args.warm_up))
        done = {result.pair.name: result for result in results}
        problems += checks.deletes_landed(url, seeded, done["DELETE"], layout.comments)
        problems += checks.restores_landed(url, seeded, done["RESTORE"], layout.comments)
        counted = statements.per_request(url, [s for p in compared for s in p.sides])
    found = verdicts(results)
    info = machine([]) | {"database": version, "server": settings.describe()}
    info["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    print()
    print(header(info, args))
    print()
    print("\n".join(render(results, counted, found, problems)))
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.http " + " ".join(argv),
        "machine": info,
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "seeded": seeded.counts,
        "elapsed_s": time.monotonic() - started,
        "problems": problems,
    } | as_json(results, found, counted)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    log(f"results written to {args.out}")
    if problems or any(v.figures["errors"] for v in found):
        return 2
    return 0 if all(v.passed for v in found) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
