"""What makes the comparisons fair and the answers right, checked rather than assumed: both
LIST sides return the same page, and after the run the database holds exactly what the
DELETEs answered (ours: trashed rows and one operation each; bare: rows gone)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .runner import PairResult, Side
from .seed import Seeded

SEEDED_OPERATIONS = 2  # the seed's own deletes (see seed._trash)


def fetch(side: Side) -> tuple[int, Any]:
    parts = urlsplit(side.load.base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(side.load.method, side.load.path, headers=side.load.headers)
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


def deletes_landed(url: str, seeded: Seeded, delete: PairResult, comments: int) -> list[str]:
    """The rows each DELETE side answered 204 for are trashed (ours, with one operation per
    request) or gone (bare), their comments with them."""
    pair = delete.pair
    ours = delete.answered(pair.ours).get("204", 0)
    bare = delete.answered(pair.other).get("204", 0)
    side_items = sum(stop - start for start, stop in seeded.ranges["bare"])
    queries = {
        "ours: trashed items": (
            "SELECT count(*) FROM item WHERE project_id = :ours AND deleted_at IS NOT NULL",
            ours,
        ),
        "ours: trashed comments": (
            "SELECT count(*) FROM comment JOIN item ON item.id = comment.item_id "
            "WHERE item.project_id = :ours AND comment.deleted_at IS NOT NULL",
            ours * comments,
        ),
        "ours: operations": ("SELECT count(*) FROM tombstone_operation", ours + SEEDED_OPERATIONS),
        "bare: items left": (
            "SELECT count(*) FROM item WHERE project_id = :bare",
            side_items - bare,
        ),
        "bare: comments left": (
            "SELECT count(*) FROM comment JOIN item ON item.id = comment.item_id "
            "WHERE item.project_id = :bare",
            (side_items - bare) * comments,
        ),
    }
    params = {"ours": seeded.projects["ours"], "bare": seeded.projects["bare"]}
    engine = create_engine(url, poolclass=NullPool)
    problems: list[str] = []
    with engine.connect() as conn:
        for label, (sql, want) in queries.items():
            got = int(conn.execute(text(sql), params).scalar_one())
            if got != want:
                problems.append(f"DELETE: {label} {got}, expected {want}")
    engine.dispose()
    return problems
