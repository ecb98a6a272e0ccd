"""Tables of the gateway database (SQLAlchemy Core; the Alembic history is in gateway/migrations).

Keys are SHA-256 digests of the random tokens the browser holds, never the tokens.
No column holds a henkilötunnus: a session knows the person only by pseudonymous
key, display name and the masked ``DDMMYY-****``.
"""

from __future__ import annotations

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime, make_metadata

metadata = make_metadata()

login_flows = sa.Table(
    "login_flows",
    metadata,
    sa.Column("id_digest", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(128), nullable=False),
    sa.Column("nonce", sa.String(128), nullable=False),
    sa.Column("code_verifier", sa.String(128), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_digest", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False, index=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("masked_id", sa.String(16), nullable=False),
    sa.Column("acr", sa.String(200), nullable=False),
    sa.Column("csrf_token", sa.String(128), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

#: One row per *Hae lasku* attempt, for the sliding-window rate limit. ``holder`` is the
#: person's pseudonymous subject (``persons/{key}``), never a henkilötunnus.
lookup_attempts = sa.Table(
    "lookup_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("attempted_at", UtcDateTime(), nullable=False, index=True),
    sa.Index("ix_lookup_attempts_holder_attempted_at", "holder", "attempted_at"),
)

#: Sessions of Ropo One staff: a kind of their own, never mixed with ``sessions``. No column
#: holds personal data of debtors; ``roles`` is the space-separated role list of the login.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id_digest", sa.String(64), primary_key=True),
    sa.Column("staff_user_id", sa.String(128), nullable=False, index=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),
    sa.Column("creditor_business_id", sa.String(16), nullable=False),
    sa.Column("creditor", sa.String(80), nullable=False),
    sa.Column("creditor_name", sa.String(200), nullable=False),
    sa.Column("acr", sa.String(200), nullable=False),
    sa.Column("csrf_token", sa.String(128), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

#: The audit log of access to personal data (``ropo_gateway.audit``): append-only, each row
#: hash-chained to the one before. People appear by pseudonym only.
audit_log = sa.Table(
    "audit_log",
    metadata,
    # Assigned by the writer (previous + 1) under the chain lock, not by the database.
    sa.Column(
        "sequence",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("recorded_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("request_id", sa.String(128), nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False, index=True),
    sa.Column("data_subject", sa.String(200), nullable=False),
    sa.Column("resource", sa.String(200), nullable=False),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(80), nullable=False),
    sa.Column("result_count", sa.Integer, nullable=True),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False, unique=True),
)
