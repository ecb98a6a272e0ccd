"""Status timeline, stored documents, letters, processed payments and lookup indexes.

Invoices imported before this revision get their "imported" timeline entry here,
so every invoice's timeline starts with its import.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_invoices_invoice_number", "invoices", ["invoice_number"])
    op.add_column("invoices", sa.Column("interest_accrued_until", sa.Date(), nullable=True))
    op.create_table(
        "invoice_letters",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=True),
        sa.Column("open_amount_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_letters"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_invoice_letters_invoice_id_invoices"
        ),
        sa.UniqueConstraint(
            "invoice_id", "type", "sequence", name="uq_invoice_letters_invoice_id_type_sequence"
        ),
    )
    op.create_table(
        "invoice_processed_items",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", "kind", "item_id", name="pk_invoice_processed_items"),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name="fk_invoice_processed_items_invoice_id_invoices",
        ),
    )
    op.create_table(
        "invoice_timeline",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("letter_id", sa.String(36), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", "position", name="pk_invoice_timeline"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_invoice_timeline_invoice_id_invoices"
        ),
    )
    op.create_table(
        "invoice_documents",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("letter_id", sa.String(36), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", "kind", "letter_id", name="pk_invoice_documents"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_invoice_documents_invoice_id_invoices"
        ),
    )

    _backfill_imported_entries()


def _backfill_imported_entries() -> None:
    bind = op.get_bind()
    invoices = sa.table(
        "invoices",
        sa.column("id", sa.String()),
        sa.column("created_at", UtcDateTime()),
        sa.column("due_date", sa.Date()),
        sa.column("currency", sa.String()),
    )
    components = sa.table(
        "ledger_components",
        sa.column("invoice_id", sa.String()),
        sa.column("type", sa.String()),
        sa.column("amount_minor", sa.BigInteger()),
    )
    timeline = sa.table(
        "invoice_timeline",
        sa.column("invoice_id", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("type", sa.String()),
        sa.column("occurred_at", UtcDateTime()),
        sa.column("amount_minor", sa.BigInteger()),
        sa.column("currency", sa.String()),
        sa.column("letter_id", sa.String()),
        sa.column("details", sa.Text()),
    )
    capital = (
        sa.select(sa.func.sum(components.c.amount_minor))
        .where(components.c.invoice_id == invoices.c.id, components.c.type == "capital")
        .scalar_subquery()
    )
    query = sa.select(
        invoices.c.id, invoices.c.created_at, invoices.c.due_date, invoices.c.currency, capital
    )
    rows = [
        {
            "invoice_id": row[0],
            "position": 1,
            "type": "imported",
            "occurred_at": row[1],
            "amount_minor": row[4],
            "currency": row[3],
            "letter_id": "",
            "details": json.dumps({"due_date": row[2].isoformat()}, separators=(",", ":")),
        }
        for row in bind.execute(query)
    ]
    if rows:
        bind.execute(sa.insert(timeline), rows)


def downgrade() -> None:
    op.drop_table("invoice_processed_items")
    op.drop_table("invoice_letters")
    with op.batch_alter_table("invoices") as batch:  # SQLite rebuilds the table
        batch.drop_column("interest_accrued_until")
    op.drop_table("invoice_documents")
    op.drop_table("invoice_timeline")
    op.drop_index("ix_invoices_invoice_number", table_name="invoices")
