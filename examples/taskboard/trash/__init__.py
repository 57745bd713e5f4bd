"""The trash: deletions that can still be undone, restore, and (admins) purge."""
