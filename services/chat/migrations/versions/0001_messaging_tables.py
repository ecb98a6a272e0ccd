"""The platform messaging tables: outbox, inbox, dead_letter, request_log.

Revision ID: 0001
Revises:
Create Date: 2026-09-01

The chat context's own tables follow in ``0002_chat``.
"""

from collections.abc import Sequence

from alembic import op
from ropo_platform.db.schema import create_messaging_tables_v1, drop_messaging_tables_v1

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables_v1(op)


def downgrade() -> None:
    drop_messaging_tables_v1(op)
