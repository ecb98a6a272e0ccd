"""Bank payments: the invoice index, imported statements and their payments.

Revision ID: 0003_bank_payments
Revises: 0002_payments
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0003_bank_payments"
down_revision: str | Sequence[str] | None = "0002_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_index",
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("debtor_party", sa.String(160), nullable=False),
        sa.Column("creditor", sa.String(160), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name="pk_invoice_index"),
    )
    op.create_index("ix_invoice_index_reference", "invoice_index", ["reference"])

    op.create_table(
        "bank_statements",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("statement_id", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("unclear_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("settled_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bank_statements"),
        sa.UniqueConstraint("kind", "sha256", name="uq_bank_statements_kind_sha256"),
    )

    op.create_table(
        "bank_payments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("statement", sa.String(32), nullable=False),
        sa.Column("entry_key", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("payer_name", sa.String(140), nullable=False),
        sa.Column("archive_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=True),
        sa.Column("unclear_reason", sa.String(32), nullable=True),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bank_payments"),
        sa.ForeignKeyConstraint(
            ["statement"], ["bank_statements.id"], name="fk_bank_payments_statement"
        ),
        sa.UniqueConstraint("entry_key", name="uq_bank_payments_entry_key"),
    )
    op.create_index("ix_bank_payments_create_time_id", "bank_payments", ["create_time", "id"])
    op.create_index(
        "ix_bank_payments_state_create_time", "bank_payments", ["state", "create_time", "id"]
    )
    op.create_index(
        "ix_bank_payments_invoice_create_time",
        "bank_payments",
        ["invoice_id", "create_time", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_bank_payments_invoice_create_time", table_name="bank_payments")
    op.drop_index("ix_bank_payments_state_create_time", table_name="bank_payments")
    op.drop_index("ix_bank_payments_create_time_id", table_name="bank_payments")
    op.drop_table("bank_payments")
    op.drop_table("bank_statements")
    op.drop_index("ix_invoice_index_reference", table_name="invoice_index")
    op.drop_table("invoice_index")
