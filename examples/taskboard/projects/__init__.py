"""Projects: create, list, show, edit, members, ownership, delete."""
