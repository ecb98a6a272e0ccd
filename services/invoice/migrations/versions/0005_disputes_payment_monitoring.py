"""Disputes (reklamaatio) with their attachments, and payment monitoring after a judgment.

Invoices remember the stage a dispute put on hold and the judgment their payment
monitoring follows; disputes and their files get tables of their own.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INVOICE_COLUMNS = ("stage_before_dispute", "judgment_date", "judgment_reference")


def upgrade() -> None:
    op.add_column("invoices", sa.Column("stage_before_dispute", sa.String(24), nullable=True))
    op.add_column("invoices", sa.Column("judgment_date", sa.Date(), nullable=True))
    op.add_column("invoices", sa.Column("judgment_reference", sa.String(200), nullable=True))
    op.create_table(
        "invoice_disputes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("disputed_minor", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("disputer", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("resolver", sa.String(200), nullable=False),
        sa.Column("resolution_message", sa.Text(), nullable=False),
        sa.Column("credited_minor", sa.BigInteger(), nullable=True),
        sa.Column("message_letter_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_disputes"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_invoice_disputes_invoice_id_invoices"
        ),
    )
    op.create_index(
        "uq_invoice_disputes_open_invoice_id",
        "invoice_disputes",
        ["invoice_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )
    op.create_index("ix_invoice_disputes_created_at_id", "invoice_disputes", ["created_at", "id"])
    op.create_index(
        "ix_invoice_disputes_invoice_id_created_at",
        "invoice_disputes",
        ["invoice_id", "created_at"],
    )
    op.create_index(
        "ix_invoice_disputes_state_created_at_id",
        "invoice_disputes",
        ["state", "created_at", "id"],
    )
    op.create_table(
        "dispute_attachments",
        sa.Column("dispute_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(120), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("dispute_id", "position", name="pk_dispute_attachments"),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["invoice_disputes.id"],
            name="fk_dispute_attachments_dispute_id_invoice_disputes",
        ),
    )


def downgrade() -> None:
    op.drop_table("dispute_attachments")
    op.drop_index("ix_invoice_disputes_state_created_at_id", table_name="invoice_disputes")
    op.drop_index("ix_invoice_disputes_invoice_id_created_at", table_name="invoice_disputes")
    op.drop_index("ix_invoice_disputes_created_at_id", table_name="invoice_disputes")
    op.drop_index("uq_invoice_disputes_open_invoice_id", table_name="invoice_disputes")
    op.drop_table("invoice_disputes")
    # SQLite drops columns only by rebuilding the table (batch mode does that).
    with op.batch_alter_table("invoices") as batch:
        for column in reversed(_INVOICE_COLUMNS):
            batch.drop_column(column)
