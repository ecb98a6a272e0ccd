"""PSP payments: payments, payment_items, create_payment_requests, psp_messages.

Revision ID: 0002_payments
Revises: 0001
Create Date: 2026-11-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0002_payments"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("payer", sa.String(160), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("psp_status", sa.String(24), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("provider_transaction_id", sa.String(64), nullable=True),
        sa.Column("payment_page_url", sa.String(400), nullable=False),
        sa.Column("provider_method", sa.String(64), nullable=False),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("update_time", UtcDateTime(), nullable=False),
        sa.Column("succeed_time", UtcDateTime(), nullable=True),
        sa.Column("settle_time", UtcDateTime(), nullable=True),
        sa.Column("fail_time", UtcDateTime(), nullable=True),
        sa.Column("checked_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.UniqueConstraint("provider_transaction_id", name="uq_payments_provider_transaction_id"),
    )
    op.create_index("ix_payments_payer_create_time", "payments", ["payer", "create_time"])
    op.create_index("ix_payments_state_update_time", "payments", ["state", "update_time"])

    op.create_table(
        "payment_items",
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name="fk_payment_items_payment_id_payments"
        ),
        sa.PrimaryKeyConstraint("payment_id", "position", name="pk_payment_items"),
    )
    op.create_index("ix_payment_items_invoice_id", "payment_items", ["invoice_id"])

    op.create_table(
        "create_payment_requests",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("payer", sa.String(160), nullable=False),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_reason", sa.String(64), nullable=True),
        sa.Column("error_message", sa.String(300), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_create_payment_requests"),
    )
    op.create_index(
        "ix_create_payment_requests_phase_created_at",
        "create_payment_requests",
        ["phase", "created_at"],
    )

    op.create_table(
        "psp_messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=False),
        sa.Column("stamp", sa.String(200), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_psp_messages"),
    )
    op.create_index("ix_psp_messages_transaction_id", "psp_messages", ["transaction_id"])
    op.create_index("ix_psp_messages_payment_id", "psp_messages", ["payment_id"])


def downgrade() -> None:
    op.drop_index("ix_psp_messages_payment_id", table_name="psp_messages")
    op.drop_index("ix_psp_messages_transaction_id", table_name="psp_messages")
    op.drop_table("psp_messages")
    op.drop_index(
        "ix_create_payment_requests_phase_created_at", table_name="create_payment_requests"
    )
    op.drop_table("create_payment_requests")
    op.drop_index("ix_payment_items_invoice_id", table_name="payment_items")
    op.drop_table("payment_items")
    op.drop_index("ix_payments_state_update_time", table_name="payments")
    op.drop_index("ix_payments_payer_create_time", table_name="payments")
    op.drop_table("payments")
