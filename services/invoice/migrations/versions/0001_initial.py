"""Creditors, invoices, invoice lines, ledger components and the messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-09-01

Written out in full rather than imported from ``adapters/orm.py``: a migration is
history and must not change when the ORM module does. A test checks that the
result matches the ORM's tables.
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
        "creditors",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("business_id", sa.String(9), nullable=False),
        sa.Column("iban", sa.String(34), nullable=True),
        sa.Column("bic", sa.String(11), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_creditors"),
        sa.UniqueConstraint("business_id", name="uq_creditors_business_id"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("creditor_id", sa.String(36), nullable=False),
        sa.Column("creditor_name", sa.String(200), nullable=False),
        sa.Column("invoice_number", sa.String(20), nullable=False),
        sa.Column("debtor_kind", sa.String(16), nullable=False),
        sa.Column("debtor_name", sa.String(200), nullable=False),
        sa.Column("debtor_party", sa.String(64), nullable=True),
        sa.Column("debtor_national_id_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("debtor_national_id_masked", sa.String(11), nullable=True),
        sa.Column("debtor_business_id", sa.String(9), nullable=True),
        sa.Column("debtor_street", sa.Text(), nullable=False),
        sa.Column("debtor_postal_code", sa.String(16), nullable=False),
        sa.Column("debtor_town", sa.String(100), nullable=False),
        sa.Column("debtor_country_code", sa.String(2), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(25), nullable=False),
        sa.Column("reference_kind", sa.String(8), nullable=False),
        sa.Column("case_number", sa.String(12), nullable=False),
        sa.Column("myropo_id", sa.String(12), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("original_due_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("paid_in_myropo", sa.Boolean(), nullable=False),
        sa.Column("due_date_extension_count", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("open_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("payee_iban", sa.String(34), nullable=False),
        sa.Column("payee_bic", sa.String(11), nullable=False),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name="fk_invoices_creditor_id_creditors"
        ),
        sa.UniqueConstraint(
            "creditor_id", "invoice_number", name="uq_invoices_creditor_id_invoice_number"
        ),
        sa.UniqueConstraint("case_number", name="uq_invoices_case_number"),
        sa.UniqueConstraint("myropo_id", name="uq_invoices_myropo_id"),
    )
    op.create_index(
        "ix_invoices_debtor_party_due_date_id", "invoices", ["debtor_party", "due_date", "id"]
    )
    op.create_index("ix_invoices_reference", "invoices", ["reference"])
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.String(40), nullable=True),
        sa.Column("unit", sa.String(35), nullable=False),
        sa.Column("unit_price", sa.String(40), nullable=True),
        sa.Column("vat_rate_percent", sa.String(40), nullable=True),
        sa.Column("net_amount", sa.String(40), nullable=True),
        sa.Column("vat_amount", sa.String(40), nullable=True),
        sa.Column("gross_amount", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", "position", name="pk_invoice_lines"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_invoice_lines_invoice_id_invoices"
        ),
    )
    op.create_table(
        "ledger_components",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("credited_minor", sa.BigInteger(), nullable=False),
        sa.Column("charge_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_components"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_ledger_components_invoice_id_invoices"
        ),
        sa.UniqueConstraint(
            "invoice_id", "position", name="uq_ledger_components_invoice_id_position"
        ),
    )
    create_messaging_tables_v1(op)


def downgrade() -> None:
    drop_messaging_tables_v1(op)
    op.drop_table("ledger_components")
    op.drop_table("invoice_lines")
    op.drop_index("ix_invoices_reference", table_name="invoices")
    op.drop_index("ix_invoices_debtor_party_due_date_id", table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("creditors")
