"""Payment time: payment plans, their instalments and creditors' payment-time policies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_plans",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("original_stage", sa.String(24), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("missed_instalment", sa.Boolean(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_plans"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_payment_plans_invoice_id_invoices"
        ),
        sa.UniqueConstraint("invoice_id", "position", name="uq_payment_plans_invoice_id_position"),
    )
    op.create_index(
        "uq_payment_plans_active_invoice_id",
        "payment_plans",
        ["invoice_id"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )
    op.create_table(
        "payment_plan_instalments",
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "number", name="pk_payment_plan_instalments"),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["payment_plans.id"],
            name="fk_payment_plan_instalments_plan_id_payment_plans",
        ),
    )
    op.create_table(
        "payment_time_policies",
        sa.Column("creditor_id", sa.String(36), nullable=False),
        sa.Column("extension_allowed", sa.Boolean(), nullable=False),
        sa.Column("extension_stages", sa.String(100), nullable=False),
        sa.Column("max_extensions", sa.Integer(), nullable=False),
        sa.Column("max_extension_days", sa.Integer(), nullable=False),
        sa.Column("extension_fee_minor", sa.BigInteger(), nullable=True),
        sa.Column("plans_allowed", sa.Boolean(), nullable=False),
        sa.Column("plan_stages", sa.String(100), nullable=False),
        sa.Column("min_instalments", sa.Integer(), nullable=False),
        sa.Column("max_instalments", sa.Integer(), nullable=False),
        sa.Column("min_instalment_minor", sa.BigInteger(), nullable=False),
        sa.Column("min_open_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("plan_fee_minor", sa.BigInteger(), nullable=True),
        sa.Column("max_plans", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("creditor_id", name="pk_payment_time_policies"),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name="fk_payment_time_policies_creditor_id_creditors",
        ),
    )


def downgrade() -> None:
    op.drop_table("payment_time_policies")
    op.drop_table("payment_plan_instalments")
    op.drop_index("uq_payment_plans_active_invoice_id", table_name="payment_plans")
    op.drop_table("payment_plans")
