"""Tables of the chat database (SQLAlchemy Core; migration ``0002_chat``).

- ``conversations``: one row per conversation, its state and who handles it;
  ``last_sequence`` counts its messages and ``version`` guards every update
  (optimistic lock);
- ``chat_messages``: the transcript, keyed by ``(conversation_id, sequence)`` so two
  writers can never store the same message number. Texts are stored as the domain cleaned
  them (a typed henkilötunnus already masked); a bot message keeps its intent, confidence
  and links (JSON).

People appear only as ``persons/{key}``, ``visitors/{id}`` or ``staffUsers/{user}``. The
platform's messaging tables share the ``metadata``.
"""

from __future__ import annotations

import sqlalchemy as sa
from ropo_platform.db import UtcDateTime, make_metadata, messaging_tables

metadata = make_metadata()
messaging = messaging_tables(metadata)

ID = 36  # UUID4 text
NAME = 160  # persons/{key}, visitors/{id}, staffUsers/{user}, invoices/{id}
DISPLAY_NAME = 100
#: How much of the latest message a list view shows.
PREVIEW = 300

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("customer", sa.String(NAME), nullable=False),
    sa.Column("language_code", sa.String(2), nullable=False),
    sa.Column("invoice", sa.String(NAME), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("assignee", sa.String(NAME), nullable=False),
    sa.Column("assignee_display_name", sa.String(DISPLAY_NAME), nullable=False),
    sa.Column("handoff_reason", sa.String(24), nullable=True),
    sa.Column("handoff_time", UtcDateTime(), nullable=True),
    sa.Column("closer", sa.String(NAME), nullable=False),
    sa.Column("close_time", UtcDateTime(), nullable=True),
    sa.Column("last_message_text", sa.String(PREVIEW), nullable=False),
    sa.Column("last_sequence", sa.Integer(), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("update_time", UtcDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)
# The agent queue: oldest hand-off first, optionally by language.
sa.Index(
    "ix_conversations_state_handoff_time_id",
    conversations.c.state,
    conversations.c.handoff_time,
    conversations.c.id,
)
sa.Index(
    "ix_conversations_customer_update_time", conversations.c.customer, conversations.c.update_time
)
sa.Index(
    "ix_conversations_assignee_update_time", conversations.c.assignee, conversations.c.update_time
)

chat_messages = sa.Table(
    "chat_messages",
    metadata,
    sa.Column(
        "conversation_id", sa.String(ID), sa.ForeignKey("conversations.id"), primary_key=True
    ),
    sa.Column("sequence", sa.Integer(), primary_key=True),
    sa.Column("sender_type", sa.String(16), nullable=False),
    sa.Column("sender", sa.String(NAME), nullable=False),
    sa.Column("sender_display_name", sa.String(DISPLAY_NAME), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("language_code", sa.String(2), nullable=False),
    sa.Column("intent", sa.String(32), nullable=False),
    # The bot's confidence is a score, not money: a float is exact enough.
    sa.Column("confidence", sa.Float(), nullable=False),
    sa.Column("links", sa.Text(), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
)
# The rate limit reads a sender's recent post times across conversations.
sa.Index("ix_chat_messages_sender_create_time", chat_messages.c.sender, chat_messages.c.create_time)
