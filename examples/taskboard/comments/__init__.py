"""Comments on items: add, edit, delete."""
