"""Dead letters remember their replays, as in every service (dead_letter.replayed_at).

Revision ID: 0002
Revises: 0001
"""

from alembic import op
from ropo_platform.db.schema import add_dead_letter_replay_v2, drop_dead_letter_replay_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_dead_letter_replay_v2(op)


def downgrade() -> None:
    drop_dead_letter_replay_v2(op)
