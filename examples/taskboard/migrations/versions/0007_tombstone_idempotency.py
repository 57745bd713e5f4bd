"""``Idempotency-Key`` answers move to Flask-Tombstone's deletion API: its table
``tombstone_idempotency`` (one row per caller and hashed key) replaces Taskboard's
``idempotent_request``.

Answers kept in the old table are not carried over: they live a day at most, and a retry
under an old key runs again only if its first request's work is not already done (a bulk
delete of rows already gone is ``404``; a settled restore or purge is ``409``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tombstone_idempotency",
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key_hash", name=op.f("pk_tombstone_idempotency")),
    )
    # The table takes its foreign key and unique constraint along.
    op.drop_table("idempotent_request")


def downgrade() -> None:
    op.create_table(
        "idempotent_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotent_request_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_request")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotent_request_user_key"),
    )
    op.drop_table("tombstone_idempotency")
