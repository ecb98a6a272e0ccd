"""Database tables of the invoice service (SQLAlchemy Core).

Core tables rather than a mapper keep the domain classes free of SQLAlchemy
instrumentation; ``repository.py`` maps rows to domain objects explicitly.
The Alembic migrations create exactly these tables (a test compares them).

Money is stored as integer minor units plus the invoice's currency: exact, and
the same on SQLite and PostgreSQL. Row amounts of invoice lines may have more
decimals than a cent (unit prices); they are stored as decimal text, because
SQLite has no exact NUMERIC and the lines are only shown, never summed in SQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime, make_metadata, messaging_tables
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class DecimalText(TypeDecorator[Decimal]):
    """An exact ``Decimal`` stored as its text form (portable, no float on SQLite)."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError("DecimalText needs a finite Decimal")
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


metadata = make_metadata()

#: outbox, inbox, dead_letter and request_log, shared definition from the platform.
messaging = messaging_tables(metadata)

_ID = 36  # UUID text
_NAME = 200

creditors = sa.Table(
    "creditors",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("business_id", sa.String(9), nullable=False, unique=True),
    sa.Column("iban", sa.String(34), nullable=True),
    sa.Column("bic", sa.String(11), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("creditor_id", sa.String(_ID), sa.ForeignKey("creditors.id"), nullable=False),
    # Copied from the creditor so that lists and text search need no join.
    sa.Column("creditor_name", sa.String(_NAME), nullable=False),
    sa.Column("invoice_number", sa.String(20), nullable=False),
    sa.Column("debtor_kind", sa.String(16), nullable=False),
    sa.Column("debtor_name", sa.String(_NAME), nullable=False),
    # persons/{key} or organizations/{business id}; NULL for an unidentified consumer.
    sa.Column("debtor_party", sa.String(64), nullable=True),
    # The henkilötunnus only encrypted (AES-GCM) and masked (DDMMYY-****); never clear.
    sa.Column("debtor_national_id_ciphertext", sa.LargeBinary(), nullable=True),
    sa.Column("debtor_national_id_masked", sa.String(11), nullable=True),
    sa.Column("debtor_business_id", sa.String(9), nullable=True),
    sa.Column("debtor_street", sa.Text(), nullable=False),  # lines joined by "\n"
    sa.Column("debtor_postal_code", sa.String(16), nullable=False),
    sa.Column("debtor_town", sa.String(100), nullable=False),
    sa.Column("debtor_country_code", sa.String(2), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("reference", sa.String(25), nullable=False),
    sa.Column("reference_kind", sa.String(8), nullable=False),
    sa.Column("case_number", sa.String(12), nullable=False, unique=True),
    sa.Column("myropo_id", sa.String(12), nullable=False, unique=True),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("original_due_date", sa.Date(), nullable=False),
    sa.Column("due_date", sa.Date(), nullable=False),
    sa.Column("stage", sa.String(24), nullable=False),
    sa.Column("paid_in_myropo", sa.Boolean(), nullable=False),
    sa.Column("due_date_extension_count", sa.Integer(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # Derived from the ledger on every save, only for filtering (open_only) in SQL;
    # amounts shown are always computed from ledger_components.
    sa.Column("open_amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("payee_iban", sa.String(34), nullable=False),
    sa.Column("payee_bic", sa.String(11), nullable=False),
    sa.Column("paid_at", UtcDateTime(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    # Last day penalty interest was dealt with; NULL before the first accrual.
    sa.Column("interest_accrued_until", sa.Date(), nullable=True),
    # The stage an open dispute put on hold, to return to when it is resolved.
    sa.Column("stage_before_dispute", sa.String(24), nullable=True),
    # The court judgment payment monitoring follows; NULL before monitoring.
    sa.Column("judgment_date", sa.Date(), nullable=True),
    sa.Column("judgment_reference", sa.String(200), nullable=True),
    # Import idempotency: one invoice number per creditor.
    sa.UniqueConstraint("creditor_id", "invoice_number"),
)
# MyRopo lists: a debtor's invoices by due date (newest first), keyset on (due_date, id).
sa.Index(
    "ix_invoices_debtor_party_due_date_id",
    invoices.c.debtor_party,
    invoices.c.due_date,
    invoices.c.id,
)
sa.Index("ix_invoices_reference", invoices.c.reference)

invoice_lines = sa.Table(
    "invoice_lines",
    metadata,
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("quantity", DecimalText(), nullable=True),
    sa.Column("unit", sa.String(35), nullable=False),
    sa.Column("unit_price", DecimalText(), nullable=True),
    sa.Column("vat_rate_percent", DecimalText(), nullable=True),
    sa.Column("net_amount", DecimalText(), nullable=True),
    sa.Column("vat_amount", DecimalText(), nullable=True),
    sa.Column("gross_amount", DecimalText(), nullable=True),
    sa.PrimaryKeyConstraint("invoice_id", "position"),
)

ledger_components = sa.Table(
    "ledger_components",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    # Order of charging; allocation and display follow it.
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("paid_minor", sa.BigInteger(), nullable=False),
    sa.Column("credited_minor", sa.BigInteger(), nullable=False),
    sa.Column("charge_date", sa.Date(), nullable=False),
    sa.UniqueConstraint("invoice_id", "position"),
)
# Search by invoice details (Hae lasku) and by case number (Ropo One).
sa.Index("ix_invoices_invoice_number", invoices.c.invoice_number)

invoice_timeline = sa.Table(
    "invoice_timeline",
    metadata,
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("letter_id", sa.String(_ID), nullable=False),
    # Values the entry is worded from at read time (JSON object of strings).
    sa.Column("details", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("invoice_id", "position"),
)

invoice_documents = sa.Table(
    "invoice_documents",
    metadata,
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # "" for the original image; the letter's id for a rendered letter.
    sa.Column("letter_id", sa.String(_ID), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("invoice_id", "kind", "letter_id"),
)

invoice_letters = sa.Table(
    "invoice_letters",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("issued_on", sa.Date(), nullable=False),
    sa.Column("due_date", sa.Date(), nullable=False),
    # NULL when the letter type never carries a fee; 0 when none was charged.
    sa.Column("fee_minor", sa.BigInteger(), nullable=True),
    sa.Column("open_amount_minor", sa.BigInteger(), nullable=False),
    # The words of a customer-service message; empty for letters drawn from figures.
    sa.Column("body", sa.Text(), nullable=False, server_default=""),
    sa.UniqueConstraint("invoice_id", "type", "sequence"),
)

# Payments and credit notes already applied to an invoice: redelivered events and
# re-sent credit notes find their id here and change nothing.
invoice_processed_items = sa.Table(
    "invoice_processed_items",
    metadata,
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("item_id", sa.String(100), nullable=False),
    sa.PrimaryKeyConstraint("invoice_id", "kind", "item_id"),
)

# Payment plans of an invoice, in the order made. The partial unique index keeps at
# most one plan active per invoice even if two transactions race past the invoice's
# version check; (invoice_id, position) makes two "first" plans collide as well.
payment_plans = sa.Table(
    "payment_plans",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("fee_minor", sa.BigInteger(), nullable=False),
    sa.Column("total_minor", sa.BigInteger(), nullable=False),
    sa.Column("original_stage", sa.String(24), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("cancelled_at", UtcDateTime(), nullable=True),
    sa.Column("missed_instalment", sa.Boolean(), nullable=False),
    sa.Column("cancel_reason", sa.Text(), nullable=False),
    sa.UniqueConstraint("invoice_id", "position"),
)
sa.Index(
    "uq_payment_plans_active_invoice_id",
    payment_plans.c.invoice_id,
    unique=True,
    sqlite_where=payment_plans.c.state == "active",
    postgresql_where=payment_plans.c.state == "active",
)

payment_plan_instalments = sa.Table(
    "payment_plan_instalments",
    metadata,
    sa.Column("plan_id", sa.String(_ID), sa.ForeignKey("payment_plans.id"), nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("due_date", sa.Date(), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("paid_minor", sa.BigInteger(), nullable=False),
    sa.Column("overdue", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("plan_id", "number"),
)

# A creditor's payment-time policy; no row means the defaults (DESIGN §5).
# Stages are comma-separated stage values; fees NULL ask the statutory maximum.
payment_time_policies = sa.Table(
    "payment_time_policies",
    metadata,
    sa.Column("creditor_id", sa.String(_ID), sa.ForeignKey("creditors.id"), primary_key=True),
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
)

# ------------------------------------------------------------ message centre and e-mail

# One row per letter delivered: the invoice's letters (letter_id = the letter's id), the
# invoice itself (letter_id = the invoice id) and refund letters (letter_id = the refund
# case id). The message centre lists a recipient's rows newest first.
letter_deliveries = sa.Table(
    "letter_deliveries",
    metadata,
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("letter_id", sa.String(64), nullable=False),
    # persons/{key} or organizations/{business id}; "" for an unidentified debtor.
    sa.Column("recipient_party", sa.String(64), nullable=False),
    sa.Column("letter_type", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    # The pay-by date the letter gives; NULL when it asks for no payment.
    sa.Column("due_date", sa.Date(), nullable=True),
    sa.Column("refund_case", sa.String(64), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("read_at", UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint("invoice_id", "letter_id"),
)
# The message centre: a recipient's letters newest first, keyset on the whole order.
sa.Index(
    "ix_letter_deliveries_recipient_party_created_at",
    letter_deliveries.c.recipient_party,
    letter_deliveries.c.created_at,
    letter_deliveries.c.invoice_id,
    letter_deliveries.c.letter_id,
)

# A person's consent to electronic letters; no row means never given (paper). The
# address is kept only while the consent holds.
letter_consents = sa.Table(
    "letter_consents",
    metadata,
    sa.Column("party", sa.String(64), primary_key=True),
    sa.Column("electronic", sa.Boolean(), nullable=False),
    sa.Column("notification_email", sa.String(254), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# Every change of a consent, numbered per person: two concurrent changes collide on
# (party, position) instead of both being recorded as the same step.
letter_consent_changes = sa.Table(
    "letter_consent_changes",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("party", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("electronic", sa.Boolean(), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(_NAME), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("party", "position"),
)

# E-mails written with the change they tell of. next_attempt_at is the lease or retry
# time of a pending row and NULL once sent or given up, so the index holds only the
# rows still to send. The address is blanked once the row is done with.
email_outbox = sa.Table(
    "email_outbox",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(_NAME), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    # The error's kind and SMTP code only: server messages may quote the address.
    sa.Column("last_error", sa.String(_NAME), nullable=True),
)
sa.Index("ix_email_outbox_next_attempt_at", email_outbox.c.next_attempt_at)

# Reminder e-mails before a due date or instalment: once per (invoice, kind, date).
sent_notifications = sa.Table(
    "sent_notifications",
    metadata,
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("due_date", sa.Date(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("invoice_id", "kind", "due_date"),
)

# --------------------------------------------------------------------------- disputes

# A debtor's disputes of an invoice. The partial unique index keeps at most one open
# dispute per invoice even if two transactions race past the invoice's version check.
invoice_disputes = sa.Table(
    "invoice_disputes",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("invoice_id", sa.String(_ID), sa.ForeignKey("invoices.id"), nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # NULL when the whole invoice is disputed.
    sa.Column("disputed_minor", sa.BigInteger(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("disputer", sa.String(_NAME), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Column("resolver", sa.String(_NAME), nullable=False),
    sa.Column("resolution_message", sa.Text(), nullable=False),
    # NULL unless accepted in full or in part.
    sa.Column("credited_minor", sa.BigInteger(), nullable=True),
    sa.Column("message_letter_id", sa.String(_ID), nullable=False),
)
sa.Index(
    "uq_invoice_disputes_open_invoice_id",
    invoice_disputes.c.invoice_id,
    unique=True,
    sqlite_where=invoice_disputes.c.state == "open",
    postgresql_where=invoice_disputes.c.state == "open",
)
# Lists, newest first: all disputes, one invoice's, and the agents' queue by state.
sa.Index("ix_invoice_disputes_created_at_id", invoice_disputes.c.created_at, invoice_disputes.c.id)
sa.Index(
    "ix_invoice_disputes_invoice_id_created_at",
    invoice_disputes.c.invoice_id,
    invoice_disputes.c.created_at,
)
sa.Index(
    "ix_invoice_disputes_state_created_at_id",
    invoice_disputes.c.state,
    invoice_disputes.c.created_at,
    invoice_disputes.c.id,
)

# The attached files as uploaded (checked to be a readable PDF, JPEG or PNG first).
dispute_attachments = sa.Table(
    "dispute_attachments",
    metadata,
    sa.Column("dispute_id", sa.String(_ID), sa.ForeignKey("invoice_disputes.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("filename", sa.String(120), nullable=False),
    sa.Column("media_type", sa.String(32), nullable=False),
    sa.Column("size_bytes", sa.Integer(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint("dispute_id", "position"),
)
