"""Bulk loading, set-based: each table is filled by one ``INSERT ... SELECT`` over a
generated series of integers, never through the ORM."""

from __future__ import annotations

from sqlalchemy import text

from .databases import Bench

PAYLOAD = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do #"


def series(kind: str, n: int) -> str:
    """``SELECT g`` for ``g`` in ``1..n``, as a derived table."""
    if kind == "postgresql":
        return f"(SELECT g FROM generate_series(1, {int(n)}) AS s(g)) AS series"
    return (
        f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {int(n)}) "
        "SELECT g FROM s) AS series"
    )


def load_entries(bench: Bench, table: str, matching: int) -> None:
    """``2 * matching`` rows, every second one ``status = 'done'`` (the filter's rows)."""
    sql = (
        f"INSERT INTO {table} (id, name, status, payload) "
        "SELECT g, 'entry ' || g, CASE WHEN g % 2 = 0 THEN 'done' ELSE 'open' END, "
        f"'{PAYLOAD}' || g FROM {series(bench.kind, 2 * matching)}"
    )
    with bench.engine.begin() as conn:
        conn.execute(text(sql))


def load_tree(bench: Bench, projects: int, items: int, comments: int, prefix: str = "") -> None:
    """``projects`` projects with ``items`` items each, ``comments`` comments per item, in
    the tables ``{prefix}project``... Project 1 is the one deleted; the others must stay."""
    total_items = projects * items
    statements = [
        f"INSERT INTO {prefix}project (id, name) SELECT g, 'project ' || g "
        f"FROM {series(bench.kind, projects)}",
        f"INSERT INTO {prefix}item (id, name, project_id) "
        f"SELECT g, 'item ' || g, (g - 1) / {items} + 1 FROM {series(bench.kind, total_items)}",
        f"INSERT INTO {prefix}comment (id, body, item_id) SELECT g, '{PAYLOAD}' || g, "
        f"(g - 1) / {comments} + 1 FROM {series(bench.kind, total_items * comments)}",
    ]
    with bench.engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
