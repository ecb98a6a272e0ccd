"""Lookup grants of a session (Hae lasku) and lookup attempts for the rate limit.

Revision ID: 0002
Revises: 0001
Create Date: 2025-03-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookup_grants",
        sa.Column("session_digest", sa.String(64), nullable=False),
        sa.Column("invoice", sa.String(80), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_digest", "invoice", name="pk_lookup_grants"),
        sa.ForeignKeyConstraint(
            ["session_digest"],
            ["sessions.id_digest"],
            name="fk_lookup_grants_session_digest_sessions",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "lookup_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lookup_attempts"),
    )
    op.create_index("ix_lookup_attempts_attempted_at", "lookup_attempts", ["attempted_at"])
    op.create_index(
        "ix_lookup_attempts_holder_attempted_at", "lookup_attempts", ["holder", "attempted_at"]
    )


def downgrade() -> None:
    op.drop_table("lookup_attempts")
    op.drop_table("lookup_grants")
