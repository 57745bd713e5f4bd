"""Listing indexes: a project's items and an item's comments by id, ``deleted_at`` last.

The lists (``/items``, ``/api/items``, an item's comments) ask for the live rows of one
parent in id order. With ``deleted_at`` in the index, the live filter is an index condition:
the page is read straight off the index in order, and the count is an index-only scan, as
for a list with no filter. The single-column foreign-key indexes they replace are covered by
the new ones' first column.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, the index added, its columns, the index it replaces)
LISTINGS = (
    ("item", "ix_item_project_listing", ["project_id", "id", "deleted_at"], "ix_item_project_id"),
    ("comment", "ix_comment_item_listing", ["item_id", "id", "deleted_at"], "ix_comment_item_id"),
)


def upgrade() -> None:
    # The new index first: MariaDB refuses to drop the index a foreign key needs until
    # another one starts with its column.
    for table, name, columns, replaced in LISTINGS:
        op.create_index(name, table, columns, unique=False)
        op.drop_index(replaced, table_name=table)


def downgrade() -> None:
    for table, name, columns, replaced in LISTINGS:
        op.create_index(replaced, table, columns[:1], unique=False)
        op.drop_index(name, table_name=table)
