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
