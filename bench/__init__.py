"""The Flask-Tombstone benchmark: the engine against the floor (hand-written set-based SQL
doing the same work) and against the tutorials' per-object loop, on SQLite and PostgreSQL
side by side. Run it with ``make bench`` (``python -m bench --help`` for the options); the
figures and how to read them are in ``docs/benchmarks.md``."""
