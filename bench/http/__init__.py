"""The HTTP throughput benchmark: Taskboard's API under real gunicorn servers on PostgreSQL,
side by side with the tutorials' views behind Taskboard's own request handling (DELETE,
PREVIEW, RESTORE; for DELETE, the tutorials' bare endpoint measured too, for information) and
with itself without soft-delete filtering (LIST). Run it with ``make bench-http``
(``python -m bench.http --help`` for the options); the figures and how to read them are in
``docs/benchmarks.md``."""
