"""Dead letters remember their replays: dead_letter.replayed_at and replay_count.

Revision ID: 0004_dead_letter_replay
Revises: 0003_bank_payments
Create Date: 2027-01-20

``python -m ropo_payment dead-letters replay`` marks a row replayed and publishes each
replay under its own Nats-Msg-Id (see ropo_platform.messaging.dead_letters).
"""

from collections.abc import Sequence

from alembic import op
from ropo_platform.db.schema import add_dead_letter_replay_v2, drop_dead_letter_replay_v2

revision: str = "0004_dead_letter_replay"
down_revision: str | Sequence[str] | None = "0003_bank_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_replay_v2(op)


def downgrade() -> None:
    drop_dead_letter_replay_v2(op)
