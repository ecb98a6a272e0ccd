"""Tables of the payment database (SQLAlchemy Core).

PSP payments (migration ``0002_payments``): ``payments`` and ``payment_items``, the
idempotency table of CreatePayment with its recovery points
(``create_payment_requests``) and the audit trail of every PSP status message
(``psp_messages``). The bank tables (``adapters/bank_tables.py``, migration
``0003_bank_payments``) live on the same ``metadata``, which also holds the platform's
messaging tables, so Alembic sees the whole schema.

People appear only as ``persons/{key}`` pseudonyms. Amounts are integer cents.
"""

from __future__ import annotations

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime, make_metadata, messaging_tables

metadata = make_metadata()
messaging = messaging_tables(metadata)

_NAME = 160  # persons/{key}, invoices/{id}
_ID = 36  # payment ids: uuid4 hex (32); request ids: UUID text (36)
_TRANSACTION = 64
_URL = 400

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("payer", sa.String(_NAME), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending|succeeded|settled|failed
    sa.Column("psp_status", sa.String(24), nullable=False),  # new|ok|fail|pending|delayed…
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("reference", sa.String(64), nullable=False),  # as sent to the PSP
    # NULL until the PSP answered; unique so a message finds exactly one payment.
    sa.Column("provider_transaction_id", sa.String(_TRANSACTION), nullable=True, unique=True),
    sa.Column("payment_page_url", sa.String(_URL), nullable=False),
    sa.Column("provider_method", sa.String(64), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("update_time", UtcDateTime(), nullable=False),
    sa.Column("succeed_time", UtcDateTime(), nullable=True),
    sa.Column("settle_time", UtcDateTime(), nullable=True),
    sa.Column("fail_time", UtcDateTime(), nullable=True),
    # When the reconciler last asked the PSP about it (rotation among pending payments).
    sa.Column("checked_at", UtcDateTime(), nullable=True),
    # Optimistic lock: every update is "WHERE id = ? AND version = ?".
    sa.Column("version", sa.Integer(), nullable=False),
)
sa.Index("ix_payments_payer_create_time", payments.c.payer, payments.c.create_time)
sa.Index("ix_payments_state_update_time", payments.c.state, payments.c.update_time)

payment_items = sa.Table(
    "payment_items",
    metadata,
    sa.Column("payment_id", sa.String(_ID), sa.ForeignKey("payments.id"), primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True),
    sa.Column("invoice_id", sa.String(64), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("reference", sa.String(35), nullable=False),
)
sa.Index("ix_payment_items_invoice_id", payment_items.c.invoice_id)

# CreatePayment idempotency (Brandur's recovery points): a started row holds a lease
# (locked_until); a finished row holds the response or error replayed for 24 h.
create_payment_requests = sa.Table(
    "create_payment_requests",
    metadata,
    sa.Column("request_id", sa.String(_ID), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("payer", sa.String(_NAME), nullable=False),
    sa.Column("payment_id", sa.String(_ID), nullable=False),
    sa.Column("phase", sa.String(16), nullable=False),  # started | finished
    sa.Column("locked_until", UtcDateTime(), nullable=False),
    sa.Column("response", sa.LargeBinary(), nullable=True),
    sa.Column("error_code", sa.String(32), nullable=True),
    sa.Column("error_reason", sa.String(64), nullable=True),
    sa.Column("error_message", sa.String(300), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
sa.Index(
    "ix_create_payment_requests_phase_created_at",
    create_payment_requests.c.phase,
    create_payment_requests.c.created_at,
)

# Every redirect, callback and reconciler answer, accepted or not (audit trail).
psp_messages = sa.Table(
    "psp_messages",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # redirect | callback | reconcile
    sa.Column("request_id", sa.String(_ID), nullable=False),
    sa.Column("payment_id", sa.String(_ID), nullable=False),  # "" when unknown
    sa.Column("transaction_id", sa.String(_TRANSACTION), nullable=False),
    sa.Column("stamp", sa.String(200), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),  # accepted | ignored | rejected
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("query", sa.JSON(), nullable=False),  # checkout-* parameters, no signature
    sa.Column("received_at", UtcDateTime(), nullable=False),
)
sa.Index("ix_psp_messages_transaction_id", psp_messages.c.transaction_id)
sa.Index("ix_psp_messages_payment_id", psp_messages.c.payment_id)
