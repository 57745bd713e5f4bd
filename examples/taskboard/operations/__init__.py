"""The operations log: who deleted, restored or purged what, when, why; and Undo."""
