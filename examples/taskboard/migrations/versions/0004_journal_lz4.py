"""Snapshots in the journal compressed with lz4 on PostgreSQL (14+, built with it).

``create_all`` sets this by itself; a journal created by a migration (0001) needs it said.
Elsewhere, and on a server without lz4, nothing changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from flask_tombstone.core import compress_journal
from flask_tombstone.core.journal_storage import lz4_available

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    compress_journal(op.get_bind())


def downgrade() -> None:
    if lz4_available(op.get_bind()):
        op.execute("ALTER TABLE tombstone_journal ALTER COLUMN data SET COMPRESSION default")
