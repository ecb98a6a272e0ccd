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
    # Paid, credited or cancelled (invoice_paid / invoice_stage_changed).
    sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("closed_time", UtcDateTime(), nullable=True),
)

# ListAccessibleInvoices: WHERE debtor_party = ? AND invoice > ? ORDER BY invoice.
sa.Index(
    "ix_invoice_ownership_debtor_party_invoice",
    invoice_ownership.c.debtor_party,
    invoice_ownership.c.invoice,
)

# Per-invoice and continuous authorizations. People appear as persons/{key}; the
# grantee's henkilötunnus only sealed (AES-GCM, ropo_platform.national_id) and masked.
authorizations = sa.Table(
    "authorizations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # uuid4 hex
    sa.Column("type", sa.String(16), nullable=False),  # invoice | continuous
    sa.Column("state", sa.String(16), nullable=False),  # active | revoked | expired | ended
    sa.Column("grantor", sa.String(_NAME), nullable=False),
    sa.Column("grantee", sa.String(_NAME), nullable=False),
    sa.Column("grantee_display_name", sa.String(200), nullable=False),
    sa.Column("grantee_masked_identifier", sa.String(16), nullable=False),
    sa.Column("grantee_national_id_sealed", sa.LargeBinary(), nullable=False),
    sa.Column("invoice", sa.String(_NAME), nullable=True),  # per-invoice only
    sa.Column("creditor", sa.String(_NAME), nullable=True),  # continuous: one creditor only
    sa.Column("expire_date", sa.Date(), nullable=True),  # last day in force (Helsinki)
    sa.Column("creator", sa.String(_NAME), nullable=False),
    sa.Column("conversation", sa.String(_NAME), nullable=True),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("end_time", UtcDateTime(), nullable=True),
    sa.Column("revoker", sa.String(_NAME), nullable=True),
)
sa.Index("ix_authorizations_grantee_state", authorizations.c.grantee, authorizations.c.state)
sa.Index("ix_authorizations_grantor_state", authorizations.c.grantor, authorizations.c.state)
sa.Index("ix_authorizations_invoice", authorizations.c.invoice)
# At most one active per-invoice authorization per grantee and invoice, also under
# concurrent grants on PostgreSQL (SQLite serializes writers anyway).
_ACTIVE_INVOICE_GRANT = sa.text("state = 'active' AND type = 'invoice'")
sa.Index(
    "uq_authorizations_active_invoice_grantee",
    authorizations.c.invoice,
    authorizations.c.grantee,
    unique=True,
    sqlite_where=_ACTIVE_INVOICE_GRANT,
    postgresql_where=_ACTIVE_INVOICE_GRANT,
)

# Time-limited view-and-pay access after a successful Hae lasku.
lookup_grants = sa.Table(
    "lookup_grants",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("subject", sa.String(_NAME), nullable=False),
    sa.Column("invoice", sa.String(_NAME), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("expire_time", UtcDateTime(), nullable=False),
)
sa.Index("ix_lookup_grants_subject_invoice", lookup_grants.c.subject, lookup_grants.c.invoice)
