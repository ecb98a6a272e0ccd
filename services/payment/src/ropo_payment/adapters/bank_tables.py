"""Tables of bank payment matching (SQLAlchemy Core), on the payment service's metadata.

- ``invoice_index``: the invoices the invoice service registered (fed by the
  ``payment-invoice-events`` consumer), looked up by reference when a bank payment
  comes in and by id when a PSP payment is created;
- ``bank_statements``: one row per imported file (camt.054, KTL, PSP settlement report);
- ``bank_payments``: one row per credited entry; ``entry_key`` is unique so that an
  entry imported twice (the same file again, or overlapping statements) counts once.

Migration: ``0003_bank_payments``.
"""

from __future__ import annotations

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime

from ropo_payment.adapters.orm import metadata

#: Invoice ids as the invoice service issues them (without ``invoices/``).
INVOICE_ID_LENGTH = 64
REFERENCE_LENGTH = 35

invoice_index = sa.Table(
    "invoice_index",
    metadata,
    sa.Column("invoice_id", sa.String(INVOICE_ID_LENGTH), primary_key=True),
    # Machine format: national without leading zeros, RF upper case without spaces.
    sa.Column("reference", sa.String(REFERENCE_LENGTH), nullable=False, index=True),
    # persons/{key} or organizations/{business_id}: never a henkilötunnus.
    sa.Column("debtor_party", sa.String(160), nullable=False),
    sa.Column("creditor", sa.String(160), nullable=False),  # creditors/{id}
    sa.Column("total_minor", sa.BigInteger(), nullable=False),
    sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
    # Time of the latest event applied (register, paid or stage change time): an older
    # stage change arriving late does not undo a newer one.
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

bank_statements = sa.Table(
    "bank_statements",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("statement_id", sa.String(200), nullable=False),  # the file's own id
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("imported_at", UtcDateTime(), nullable=False),
    sa.Column("entry_count", sa.Integer(), nullable=False),
    sa.Column("matched_count", sa.Integer(), nullable=False),
    sa.Column("unclear_count", sa.Integer(), nullable=False),
    sa.Column("duplicate_count", sa.Integer(), nullable=False),
    sa.Column("settled_count", sa.Integer(), nullable=False),
    sa.Column("skipped_count", sa.Integer(), nullable=False),
    sa.Column("total_minor", sa.BigInteger(), nullable=False),  # sum of the new entries
    # The same file imported again is recognised and not stored twice.
    sa.UniqueConstraint("kind", "sha256", name="uq_bank_statements_kind_sha256"),
)

bank_payments = sa.Table(
    "bank_payments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "statement",
        sa.String(32),
        sa.ForeignKey("bank_statements.id", name="fk_bank_payments_statement"),
        nullable=False,
    ),
    sa.Column("entry_key", sa.String(200), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # matched | unclear
    sa.Column("reference", sa.String(REFERENCE_LENGTH), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("booking_date", sa.Date(), nullable=False),
    sa.Column("value_date", sa.Date(), nullable=True),
    sa.Column("payer_name", sa.String(140), nullable=False),
    sa.Column("archive_id", sa.String(64), nullable=False),
    sa.Column("invoice_id", sa.String(INVOICE_ID_LENGTH), nullable=True),
    sa.Column("unclear_reason", sa.String(32), nullable=True),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("entry_key", name="uq_bank_payments_entry_key"),
)
# ListBankPayments: newest first, optionally by state or invoice.
sa.Index("ix_bank_payments_create_time_id", bank_payments.c.create_time, bank_payments.c.id)
sa.Index(
    "ix_bank_payments_state_create_time",
    bank_payments.c.state,
    bank_payments.c.create_time,
    bank_payments.c.id,
)
sa.Index(
    "ix_bank_payments_invoice_create_time",
    bank_payments.c.invoice_id,
    bank_payments.c.create_time,
    bank_payments.c.id,
)
