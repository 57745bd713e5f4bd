"""Authorization, declared once: which rows each user can see (the scoped loaders), which
they may change or delete, and which operations they may read, undo or restore."""
