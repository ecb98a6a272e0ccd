"""Refunds: refund_cases, refund_accounts, refund_verifications, verification_attempts,
payout_batches, payout_items.

Revision ID: 0002_refunds
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0002_refunds"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seq() -> sa.Column[int]:
    return sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "refund_cases",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_number", sa.String(10), nullable=False),
        sa.Column("myropo_id", sa.String(12), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("source_key", sa.String(240), nullable=False),
        sa.Column("invoice", sa.String(160), nullable=False),
        sa.Column("payment", sa.String(160), nullable=False),
        sa.Column("debtor_party", sa.String(160), nullable=False),
        sa.Column("debtor_display_name", sa.String(300), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("refundable_minor", sa.BigInteger(), nullable=False),
        sa.Column("handling_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("current_account_id", sa.String(36), nullable=True),
        sa.Column("approved_account_id", sa.String(36), nullable=True),
        sa.Column("approver", sa.String(160), nullable=False),
        sa.Column("approve_time", UtcDateTime(), nullable=True),
        sa.Column("payout_batch_id", sa.String(36), nullable=True),
        sa.Column("status_message", sa.String(300), nullable=False),
        sa.Column("failed_payout_count", sa.Integer(), nullable=False),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("update_time", UtcDateTime(), nullable=False),
        sa.Column("paid_time", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refund_cases"),
        sa.UniqueConstraint("case_number", name="uq_refund_cases_case_number"),
        sa.UniqueConstraint("source_key", name="uq_refund_cases_source_key"),
    )
    op.create_index("ix_refund_cases_create_time_id", "refund_cases", ["create_time", "id"])
    op.create_index("ix_refund_cases_state_create_time", "refund_cases", ["state", "create_time"])
    op.create_index(
        "ix_refund_cases_debtor_party_create_time",
        "refund_cases",
        ["debtor_party", "create_time"],
    )
    op.create_index(
        "ix_refund_cases_invoice_create_time", "refund_cases", ["invoice", "create_time"]
    )

    op.create_table(
        "refund_accounts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("refund_case_id", sa.String(36), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("bic", sa.String(11), nullable=False),
        sa.Column("holder_name", sa.String(70), nullable=False),
        sa.Column("reporter", sa.String(160), nullable=False),
        sa.Column("report_time", UtcDateTime(), nullable=False),
        sa.Column("confirm_time", UtcDateTime(), nullable=True),
        sa.Column("replaced_by", sa.String(160), nullable=False),
        sa.Column("replace_reason", sa.String(300), nullable=False),
        sa.Column("replace_time", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["refund_case_id"],
            ["refund_cases.id"],
            name="fk_refund_accounts_refund_case_id_refund_cases",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refund_accounts"),
    )
    op.create_index(
        "ix_refund_accounts_refund_case_id_report_time",
        "refund_accounts",
        ["refund_case_id", "report_time"],
    )

    op.create_table(
        "refund_verifications",
        _seq(),
        sa.Column("refund_case_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("verify_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_refund_verifications"),
    )
    op.create_index(
        "ix_refund_verifications_refund_case_id_subject_verify_time",
        "refund_verifications",
        ["refund_case_id", "subject", "verify_time"],
    )

    op.create_table(
        "verification_attempts",
        _seq(),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("case_number_key", sa.String(64), nullable=False),
        sa.Column("attempt_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_verification_attempts"),
    )
    op.create_index(
        "ix_verification_attempts_subject_attempt_time",
        "verification_attempts",
        ["subject", "attempt_time"],
    )
    op.create_index(
        "ix_verification_attempts_case_number_key_attempt_time",
        "verification_attempts",
        ["case_number_key", "attempt_time"],
    )

    op.create_table(
        "payout_batches",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(35), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("exporter", sa.String(160), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("status_time", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_payout_batches"),
        sa.UniqueConstraint("message_id", name="uq_payout_batches_message_id"),
    )
    op.create_index("ix_payout_batches_create_time_id", "payout_batches", ["create_time", "id"])

    op.create_table(
        "payout_items",
        sa.Column("refund_case_id", sa.String(36), nullable=False),
        sa.Column("payout_attempt", sa.Integer(), nullable=False),
        sa.Column("payout_batch_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("end_to_end_id", sa.String(35), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("creditor_name", sa.String(70), nullable=False),
        sa.Column("creditor_iban", sa.String(34), nullable=False),
        sa.Column("creditor_bic", sa.String(11), nullable=False),
        sa.Column("remittance", sa.String(140), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["refund_case_id"],
            ["refund_cases.id"],
            name="fk_payout_items_refund_case_id_refund_cases",
        ),
        sa.ForeignKeyConstraint(
            ["payout_batch_id"],
            ["payout_batches.id"],
            name="fk_payout_items_payout_batch_id_payout_batches",
        ),
        sa.PrimaryKeyConstraint("refund_case_id", "payout_attempt", name="pk_payout_items"),
    )
    op.create_index(
        "ix_payout_items_payout_batch_id_position",
        "payout_items",
        ["payout_batch_id", "position"],
    )


def downgrade() -> None:
    op.drop_index("ix_payout_items_payout_batch_id_position", table_name="payout_items")
    op.drop_table("payout_items")
    op.drop_index("ix_payout_batches_create_time_id", table_name="payout_batches")
    op.drop_table("payout_batches")
    op.drop_index(
        "ix_verification_attempts_case_number_key_attempt_time",
        table_name="verification_attempts",
    )
    op.drop_index(
        "ix_verification_attempts_subject_attempt_time", table_name="verification_attempts"
    )
    op.drop_table("verification_attempts")
    op.drop_index(
        "ix_refund_verifications_refund_case_id_subject_verify_time",
        table_name="refund_verifications",
    )
    op.drop_table("refund_verifications")
    op.drop_index("ix_refund_accounts_refund_case_id_report_time", table_name="refund_accounts")
    op.drop_table("refund_accounts")
    op.drop_index("ix_refund_cases_invoice_create_time", table_name="refund_cases")
    op.drop_index("ix_refund_cases_debtor_party_create_time", table_name="refund_cases")
    op.drop_index("ix_refund_cases_state_create_time", table_name="refund_cases")
    op.drop_index("ix_refund_cases_create_time_id", table_name="refund_cases")
    op.drop_table("refund_cases")
