"""Tables of the authorization database (SQLAlchemy Core).

The read model is queried with Core rather than mapped to the domain
dataclasses: it is small, and the frozen domain objects stay free of ORM state.
``metadata`` includes the platform's messaging tables, so Alembic sees the
whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime, make_metadata, messaging_tables

metadata = make_metadata()
messaging = messaging_tables(metadata)

# Resource names are bounded by the id patterns (<= 128 characters plus the collection).
_NAME = 160

invoice_ownership = sa.Table(
    "invoice_ownership",
    metadata,
    sa.Column("invoice", sa.String(_NAME), primary_key=True),  # invoices/{id}
    sa.Column("creditor", sa.String(_NAME), nullable=False),  # creditors/{id}
    # persons/{key} or organizations/{business_id}: pseudonymous, never a henkilötunnus.
    sa.Column("debtor_party", sa.String(_NAME), nullable=False),
    sa.Column("register_time", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)

# ListAccessibleInvoices: WHERE debtor_party = ? AND invoice > ? ORDER BY invoice.
sa.Index(
    "ix_invoice_ownership_debtor_party_invoice",
    invoice_ownership.c.debtor_party,
    invoice_ownership.c.invoice,
)
