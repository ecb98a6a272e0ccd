"""Authorizations, lookup grants, and closed invoices in the ownership read model.

Revision ID: 0002
Revises: 0001
Create Date: 2026-10-01

The idempotency table for ``request_id`` is the platform's ``request_log`` (0001).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_ownership") as batch:
        batch.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("closed_time", UtcDateTime(), nullable=True))

    op.create_table(
        "authorizations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("grantor", sa.String(160), nullable=False),
        sa.Column("grantee", sa.String(160), nullable=False),
        sa.Column("grantee_display_name", sa.String(200), nullable=False),
        sa.Column("grantee_masked_identifier", sa.String(16), nullable=False),
        sa.Column("grantee_national_id_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("invoice", sa.String(160), nullable=True),
        sa.Column("creditor", sa.String(160), nullable=True),
        sa.Column("expire_date", sa.Date(), nullable=True),
        sa.Column("creator", sa.String(160), nullable=False),
        sa.Column("conversation", sa.String(160), nullable=True),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("end_time", UtcDateTime(), nullable=True),
        sa.Column("revoker", sa.String(160), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_authorizations"),
    )
    op.create_index("ix_authorizations_grantee_state", "authorizations", ["grantee", "state"])
    op.create_index("ix_authorizations_grantor_state", "authorizations", ["grantor", "state"])
    op.create_index("ix_authorizations_invoice", "authorizations", ["invoice"])
    active_invoice_grant = sa.text("state = 'active' AND type = 'invoice'")
    op.create_index(
        "uq_authorizations_active_invoice_grantee",
        "authorizations",
        ["invoice", "grantee"],
        unique=True,
        sqlite_where=active_invoice_grant,
        postgresql_where=active_invoice_grant,
    )

    op.create_table(
        "lookup_grants",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("invoice", sa.String(160), nullable=False),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("expire_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lookup_grants"),
    )
    op.create_index("ix_lookup_grants_subject_invoice", "lookup_grants", ["subject", "invoice"])


def downgrade() -> None:
    op.drop_index("ix_lookup_grants_subject_invoice", table_name="lookup_grants")
    op.drop_table("lookup_grants")
    op.drop_index("uq_authorizations_active_invoice_grantee", table_name="authorizations")
    op.drop_index("ix_authorizations_invoice", table_name="authorizations")
    op.drop_index("ix_authorizations_grantor_state", table_name="authorizations")
    op.drop_index("ix_authorizations_grantee_state", table_name="authorizations")
    op.drop_table("authorizations")
    with op.batch_alter_table("invoice_ownership") as batch:
        batch.drop_column("closed_time")
        batch.drop_column("closed")
