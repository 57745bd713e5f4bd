"""``python -m bench.single``: what one web request's deletion costs — a single-row soft
delete, its restore and its preview — through the engine and written by hand, side by side
in one run on SQLite, PostgreSQL and MariaDB; and the preview of one item on a small and a
large table (its cost must depend on the rows involved, not on the table's size)."""
