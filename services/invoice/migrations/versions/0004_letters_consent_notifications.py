"""Message centre and electronic letters: letter deliveries (channel, read state),
letter consents and their history, the e-mail outbox and sent due-date notifications.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_letters") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "letter_deliveries",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("letter_id", sa.String(64), nullable=False),
        sa.Column("recipient_party", sa.String(64), nullable=False),
        sa.Column("letter_type", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("refund_case", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", "letter_id", name="pk_letter_deliveries"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_letter_deliveries_invoice_id_invoices"
        ),
    )
    op.create_index(
        "ix_letter_deliveries_recipient_party_created_at",
        "letter_deliveries",
        ["recipient_party", "created_at", "invoice_id", "letter_id"],
    )
    op.create_table(
        "letter_consents",
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("electronic", sa.Boolean(), nullable=False),
        sa.Column("notification_email", sa.String(254), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("party", name="pk_letter_consents"),
    )
    op.create_table(
        "letter_consent_changes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("electronic", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_letter_consent_changes"),
        sa.UniqueConstraint("party", "position", name="uq_letter_consent_changes_party_position"),
    )
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_email_outbox"),
    )
    op.create_index("ix_email_outbox_next_attempt_at", "email_outbox", ["next_attempt_at"])
    op.create_table(
        "sent_notifications",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", "kind", "due_date", name="pk_sent_notifications"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_sent_notifications_invoice_id_invoices"
        ),
    )


def downgrade() -> None:
    op.drop_table("sent_notifications")
    op.drop_index("ix_email_outbox_next_attempt_at", table_name="email_outbox")
    op.drop_table("email_outbox")
    op.drop_table("letter_consent_changes")
    op.drop_table("letter_consents")
    op.drop_index("ix_letter_deliveries_recipient_party_created_at", table_name="letter_deliveries")
    op.drop_table("letter_deliveries")
    with op.batch_alter_table("invoice_letters") as batch:
        batch.drop_column("body")
