"""Chat: conversations and chat_messages.

Revision ID: 0002_chat
Revises: 0001
Create Date: 2027-01-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from ropo_platform.db import UtcDateTime

revision: str = "0002_chat"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer", sa.String(160), nullable=False),
        sa.Column("language_code", sa.String(2), nullable=False),
        sa.Column("invoice", sa.String(160), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(160), nullable=False),
        sa.Column("assignee_display_name", sa.String(100), nullable=False),
        sa.Column("handoff_reason", sa.String(24), nullable=True),
        sa.Column("handoff_time", UtcDateTime(), nullable=True),
        sa.Column("closer", sa.String(160), nullable=False),
        sa.Column("close_time", UtcDateTime(), nullable=True),
        sa.Column("last_message_text", sa.String(300), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("update_time", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
    )
    op.create_index(
        "ix_conversations_state_handoff_time_id",
        "conversations",
        ["state", "handoff_time", "id"],
    )
    op.create_index(
        "ix_conversations_customer_update_time", "conversations", ["customer", "update_time"]
    )
    op.create_index(
        "ix_conversations_assignee_update_time", "conversations", ["assignee", "update_time"]
    )

    op.create_table(
        "chat_messages",
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sender_type", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(160), nullable=False),
        sa.Column("sender_display_name", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language_code", sa.String(2), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_chat_messages_conversation_id_conversations",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "sequence", name="pk_chat_messages"),
    )
    op.create_index(
        "ix_chat_messages_sender_create_time", "chat_messages", ["sender", "create_time"]
    )


def downgrade() -> None:
    op.drop_index("ix_chat_messages_sender_create_time", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index("ix_conversations_assignee_update_time", table_name="conversations")
    op.drop_index("ix_conversations_customer_update_time", table_name="conversations")
    op.drop_index("ix_conversations_state_handoff_time_id", table_name="conversations")
    op.drop_table("conversations")
