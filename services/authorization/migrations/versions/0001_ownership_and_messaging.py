"""Debtor ownership read model and the platform messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-09-01

Written out rather than derived from ``adapters/orm.py``: a migration is history
and must not change when the ORM module does. A test checks that the migrated
schema matches the ORM's tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime
from ropo_platform.db.schema import create_messaging_tables_v1, drop_messaging_tables_v1

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_ownership",
        sa.Column("invoice", sa.String(160), nullable=False),
        sa.Column("creditor", sa.String(160), nullable=False),
        sa.Column("debtor_party", sa.String(160), nullable=False),
        sa.Column("register_time", UtcDateTime(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("invoice", name="pk_invoice_ownership"),
    )
    op.create_index(
        "ix_invoice_ownership_debtor_party_invoice",
        "invoice_ownership",
        ["debtor_party", "invoice"],
    )
    create_messaging_tables_v1(op)


def downgrade() -> None:
    drop_messaging_tables_v1(op)
    op.drop_index("ix_invoice_ownership_debtor_party_invoice", table_name="invoice_ownership")
    op.drop_table("invoice_ownership")
