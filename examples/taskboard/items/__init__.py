"""Items: list (filter, paginate, bulk delete), create, show, edit, delete."""
