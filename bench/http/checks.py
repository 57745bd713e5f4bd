"""What makes the comparisons fair and the answers right, checked rather than assumed: both
LIST sides return the same page, both PREVIEW sides the same counts, and after the run the
database holds exactly what the DELETEs answered (ours: trashed rows and one operation each;
the others: rows gone) and what the RESTOREs answered (the rows live again; ours: one restore
operation each)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .runner import Pair, PairResult, Side
from .seed import Seeded


def fetch(side: Side) -> tuple[int, Any]:
    """One request of ``side`` (the first id of its first client's range, if it has ranges)."""
    parts = urlsplit(side.load.base)
    load = side.load
    path = load.path.format(id=load.ranges[0][0]) if load.ranges else load.path
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(load.method, path, headers=load.headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def same_page(ours: Side, other: Side, per_page: int) -> list[str]:
    """Both LIST sides answer 200 with the same full page (same rows, same total)."""
    (status, mine), (other_status, theirs) = fetch(ours), fetch(other)
    problems: list[str] = []
    if status != 200 or other_status != 200:
        problems.append(f"LIST answered {status} / {other_status} before the run")
    elif mine != theirs:
        problems.append("LIST: the two sides return different pages")
    elif len(mine["items"]) != per_page:
        problems.append(f"LIST: {len(mine['items'])} rows on the page, expected {per_page}")
    return problems


def same_counts(preview: Pair, comments: int) -> list[str]:
    """Both PREVIEW sides answer 200 with the item and its comments counted (ids reused: a
    preview changes nothing)."""
    want = {"Item": 1, "Comment": comments}
    problems: list[str] = []
    for side in preview.sides:
        status, answer = fetch(side)
        counts = answer.get("counts") if isinstance(answer, dict) else None
        if status != 200 or counts != want:
            problems.append(f"PREVIEW: {side.label} answered {status} {counts}, expected {want}")
    return problems


def deletes_landed(url: str, seeded: Seeded, delete: PairResult, comments: int) -> list[str]:
    """The rows each DELETE side answered 204 for are trashed (ours, with one operation per
    request) or gone (the other sides: hard deletes), their comments with them."""
    pair = delete.pair
    ours = delete.answered(pair.ours).get("204", 0)
    in_project = "JOIN item ON item.id = comment.item_id WHERE item.project_id = :project"
    queries = {  # {label: (SQL, its project's side, expected count)}
        "ours: trashed items": (
            "SELECT count(*) FROM item WHERE project_id = :project AND deleted_at IS NOT NULL",
            pair.ours,
            ours,
        ),
        "ours: trashed comments": (
            f"SELECT count(*) FROM comment {in_project} AND comment.deleted_at IS NOT NULL",
            pair.ours,
            ours * comments,
        ),
        "ours: operations": (
            "SELECT count(*) FROM tombstone_operation AS op JOIN operation_project AS scope "
            "ON scope.op_id = op.id WHERE scope.project_id = :project AND op.kind = 'delete'",
            pair.ours,
            ours,
        ),
    }
    for side in (pair.other, *pair.extra):
        left = sum(stop - start for start, stop in seeded.ranges[side.label])
        left -= delete.answered(side).get("204", 0)
        queries[f"{side.label}: items left"] = (
            "SELECT count(*) FROM item WHERE project_id = :project",
            side,
            left,
        )
        queries[f"{side.label}: comments left"] = (
            f"SELECT count(*) FROM comment {in_project}",
            side,
            left * comments,
        )
    return _counted(url, seeded, "DELETE", queries)


def restores_landed(url: str, seeded: Seeded, restore: PairResult, comments: int) -> list[str]:
    """Every deletion a RESTORE side answered 200 for is undone: its item and comments live
    again in the side's project (seeded all trashed); ours, one restore operation each."""
    in_project = "JOIN item ON item.id = comment.item_id WHERE item.project_id = :project"
    queries: dict[str, tuple[str, Side, int]] = {}
    for side in restore.pair.sides:
        restored = restore.answered(side).get("200", 0)
        queries[f"{side.label}: live items"] = (
            "SELECT count(*) FROM item WHERE project_id = :project AND deleted_at IS NULL",
            side,
            restored,
        )
        queries[f"{side.label}: live comments"] = (
            f"SELECT count(*) FROM comment {in_project} AND comment.deleted_at IS NULL",
            side,
            restored * comments,
        )
    queries["ours-restore: operations"] = (
        "SELECT count(*) FROM tombstone_operation AS op JOIN operation_project AS scope "
        "ON scope.op_id = op.id WHERE scope.project_id = :project AND op.kind = 'restore'",
        restore.pair.ours,
        restore.answered(restore.pair.ours).get("200", 0),
    )
    return _counted(url, seeded, "RESTORE", queries)


def _counted(
    url: str, seeded: Seeded, name: str, queries: dict[str, tuple[str, Side, int]]
) -> list[str]:
    """Each ``{label: (SQL, side, expected count)}`` query run on the side's project."""
    engine = create_engine(url, poolclass=NullPool)
    problems: list[str] = []
    with engine.connect() as conn:
        for label, (sql, side, want) in queries.items():
            project = seeded.projects[side.label]
            got = int(conn.execute(text(sql), {"project": project}).scalar_one())
            if got != want:
                problems.append(f"{name}: {label} {got}, expected {want}")
    engine.dispose()
    return problems
