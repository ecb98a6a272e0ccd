"""Tables of the refund database (SQLAlchemy Core; migration ``0002_refunds``).

- ``refund_cases``: one row per case; the current account and the approved one by id;
- ``refund_accounts``: every account ever reported for a case (the audit history);
  the IBAN is kept in clear because the payout file needs it, and is shown masked only;
- ``refund_verifications`` / ``verification_attempts``: wizard step 1's successes and
  counted failures;
- ``payout_batches`` (with the exact file) and ``payout_items``: what was paid where.
  ``(refund_case_id, payout_attempt)`` is the primary key of an item, so one payout of a
  case can never be in two batches.

Money is integer minor units plus the currency: exact, and the same on SQLite and
PostgreSQL (SQLite has no exact NUMERIC). People appear only as ``persons/{key}``.
The platform's messaging tables share the ``metadata``.
"""

from __future__ import annotations

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime, make_metadata, messaging_tables

metadata = make_metadata()
messaging = messaging_tables(metadata)

ID = 36  # UUID4 text
NAME = 160  # persons/{key}, staffUsers/{user}, invoices/{id}, bankPayments/{id}
SOURCE_KEY = 240
TEXT = 300
IBAN = 34
BIC = 11
HOLDER = 70


def _seq() -> sa.Column[int]:
    # BIGINT identity on PostgreSQL; SQLite only auto-increments "INTEGER PRIMARY KEY".
    return sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


refund_cases = sa.Table(
    "refund_cases",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("case_number", sa.String(10), nullable=False, unique=True),
    sa.Column("myropo_id", sa.String(12), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    # One case per source event: overpayment:{invoice}:{payment} and so on.
    sa.Column("source_key", sa.String(SOURCE_KEY), nullable=False, unique=True),
    sa.Column("invoice", sa.String(NAME), nullable=False),
    sa.Column("payment", sa.String(NAME), nullable=False),
    sa.Column("debtor_party", sa.String(NAME), nullable=False),
    sa.Column("debtor_display_name", sa.String(TEXT), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("refundable_minor", sa.BigInteger(), nullable=False),
    sa.Column("handling_fee_minor", sa.BigInteger(), nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("current_account_id", sa.String(ID), nullable=True),
    sa.Column("approved_account_id", sa.String(ID), nullable=True),
    sa.Column("approver", sa.String(NAME), nullable=False),
    sa.Column("approve_time", UtcDateTime(), nullable=True),
    sa.Column("payout_batch_id", sa.String(ID), nullable=True),
    sa.Column("status_message", sa.String(TEXT), nullable=False),
    sa.Column("failed_payout_count", sa.Integer(), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("update_time", UtcDateTime(), nullable=False),
    sa.Column("paid_time", UtcDateTime(), nullable=True),
    # Optimistic lock: every update is "WHERE id = ? AND version = ?".
    sa.Column("version", sa.Integer(), nullable=False),
)
sa.Index("ix_refund_cases_create_time_id", refund_cases.c.create_time, refund_cases.c.id)
sa.Index("ix_refund_cases_state_create_time", refund_cases.c.state, refund_cases.c.create_time)
sa.Index(
    "ix_refund_cases_debtor_party_create_time",
    refund_cases.c.debtor_party,
    refund_cases.c.create_time,
)
sa.Index("ix_refund_cases_invoice_create_time", refund_cases.c.invoice, refund_cases.c.create_time)

refund_accounts = sa.Table(
    "refund_accounts",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("refund_case_id", sa.String(ID), sa.ForeignKey("refund_cases.id"), nullable=False),
    sa.Column("iban", sa.String(IBAN), nullable=False),
    sa.Column("bic", sa.String(BIC), nullable=False),
    sa.Column("holder_name", sa.String(HOLDER), nullable=False),
    sa.Column("reporter", sa.String(NAME), nullable=False),
    sa.Column("report_time", UtcDateTime(), nullable=False),
    sa.Column("confirm_time", UtcDateTime(), nullable=True),
    sa.Column("replaced_by", sa.String(NAME), nullable=False),
    sa.Column("replace_reason", sa.String(TEXT), nullable=False),
    sa.Column("replace_time", UtcDateTime(), nullable=True),
)
sa.Index(
    "ix_refund_accounts_refund_case_id_report_time",
    refund_accounts.c.refund_case_id,
    refund_accounts.c.report_time,
)

refund_verifications = sa.Table(
    "refund_verifications",
    metadata,
    _seq(),
    sa.Column("refund_case_id", sa.String(ID), nullable=False),
    sa.Column("subject", sa.String(NAME), nullable=False),
    sa.Column("verify_time", UtcDateTime(), nullable=False),
)
sa.Index(
    "ix_refund_verifications_refund_case_id_subject_verify_time",
    refund_verifications.c.refund_case_id,
    refund_verifications.c.subject,
    refund_verifications.c.verify_time,
)

# One row per failed verification, counted per subject and per typed case number (its
# digest), so guesses at a case number that does not exist count as well.
verification_attempts = sa.Table(
    "verification_attempts",
    metadata,
    _seq(),
    sa.Column("subject", sa.String(NAME), nullable=False),
    sa.Column("case_number_key", sa.String(64), nullable=False),
    sa.Column("attempt_time", UtcDateTime(), nullable=False),
)
sa.Index(
    "ix_verification_attempts_subject_attempt_time",
    verification_attempts.c.subject,
    verification_attempts.c.attempt_time,
)
sa.Index(
    "ix_verification_attempts_case_number_key_attempt_time",
    verification_attempts.c.case_number_key,
    verification_attempts.c.attempt_time,
)

payout_batches = sa.Table(
    "payout_batches",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("message_id", sa.String(35), nullable=False, unique=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("execution_date", sa.Date(), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("exporter", sa.String(NAME), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total_minor", sa.BigInteger(), nullable=False),
    sa.Column("status_time", UtcDateTime(), nullable=True),
)
sa.Index("ix_payout_batches_create_time_id", payout_batches.c.create_time, payout_batches.c.id)

payout_items = sa.Table(
    "payout_items",
    metadata,
    sa.Column("refund_case_id", sa.String(ID), sa.ForeignKey("refund_cases.id"), primary_key=True),
    sa.Column("payout_attempt", sa.Integer(), primary_key=True),
    sa.Column("payout_batch_id", sa.String(ID), sa.ForeignKey("payout_batches.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("end_to_end_id", sa.String(35), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("creditor_name", sa.String(HOLDER), nullable=False),
    sa.Column("creditor_iban", sa.String(IBAN), nullable=False),
    sa.Column("creditor_bic", sa.String(BIC), nullable=False),
    sa.Column("remittance", sa.String(140), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),  # paid | rejected; NULL while waiting
    sa.Column("reason", sa.String(TEXT), nullable=False),
)
sa.Index(
    "ix_payout_items_payout_batch_id_position",
    payout_items.c.payout_batch_id,
    payout_items.c.position,
)
