"""Drop the gateway's lookup grants: the authorization service keeps them now
(``GrantLookupAccess``). The lookup attempts of the rate limit stay.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("lookup_grants")


def downgrade() -> None:
    # The table comes back empty: grants made meanwhile are in the authorization service.
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
