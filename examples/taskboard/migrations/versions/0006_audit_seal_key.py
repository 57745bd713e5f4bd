"""How each sealed operation was hashed (``tombstone_operation.seal_key``): plain SHA-256, or
HMAC-SHA256 under the audit key whose id it holds.

Records sealed before this revision keep ``NULL`` and verify as they were sealed (Taskboard
did not seal before it, so there are none to re-key).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tombstone_operation", sa.Column("seal_key", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("tombstone_operation", "seal_key")
