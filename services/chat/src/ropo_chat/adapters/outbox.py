"""Integration events of conversations, written to the platform outbox.

Subjects ``ropo.chat.v1.conversation_started`` / ``message_posted`` /
``conversation_handed_off`` / ``conversation_closed`` (stream ``ROPO_CHAT``), ``ce-subject``
the conversation's resource name — which is also how the ``serve`` process routes a live
event to the watchers of that conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf.message import Message
from ropo.chat.v1 import events_pb2
from ropo_platform.messaging import OutboxEvent, OutboxWriter
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_chat.adapters import wire
from ropo_chat.domain.conversation import (
    ChatEvent,
    ConversationClosed,
    ConversationHandedOff,
    ConversationStarted,
    MessagePosted,
)
from ropo_chat.service_layer.ports import ChatEventOutbox

CONVERSATION_STARTED = "ropo.chat.v1.conversation_started"
MESSAGE_POSTED = "ropo.chat.v1.message_posted"
CONVERSATION_HANDED_OFF = "ropo.chat.v1.conversation_handed_off"
CONVERSATION_CLOSED = "ropo.chat.v1.conversation_closed"
#: ``ce-source`` of the events this service publishes.
EVENT_SOURCE = "/ropo/chat"
#: Every subject this service publishes on.
SUBJECTS = "ropo.chat.v1.>"
WRITER = OutboxWriter(EVENT_SOURCE)


def _message(event: ChatEvent) -> tuple[str, Message, datetime]:
    if isinstance(event, MessagePosted):
        return (
            MESSAGE_POSTED,
            events_pb2.MessagePosted(
                conversation=event.conversation,
                message=event.message,
                sender_type=wire.SENDER_TYPES[event.sender_type],
                sender=event.sender,
                sender_display_name=event.sender_display_name,
                text=event.text,
                intent=wire.intent(event.intent),
                links=wire.links(event.links),
                post_time=wire.timestamp(event.post_time),
            ),
            event.post_time,
        )
    if isinstance(event, ConversationStarted):
        return (
            CONVERSATION_STARTED,
            events_pb2.ConversationStarted(
                conversation=event.conversation,
                customer=event.customer,
                language_code=event.language_code,
                invoice=event.invoice,
                start_time=wire.timestamp(event.start_time),
            ),
            event.start_time,
        )
    if isinstance(event, ConversationHandedOff):
        return (
            CONVERSATION_HANDED_OFF,
            events_pb2.ConversationHandedOff(
                conversation=event.conversation,
                reason=wire.handoff_reason(event.reason),
                assignee=event.assignee,
                language_code=event.language_code,
                handoff_time=wire.timestamp(event.handoff_time),
            ),
            event.handoff_time,
        )
    if isinstance(event, ConversationClosed):
        return (
            CONVERSATION_CLOSED,
            events_pb2.ConversationClosed(
                conversation=event.conversation,
                closer=event.closer,
                close_time=wire.timestamp(event.close_time),
            ),
            event.close_time,
        )
    raise TypeError(f"unknown chat event {type(event).__name__}")


class SqlChatEventOutbox(ChatEventOutbox):
    def __init__(self, session: AsyncSession, writer: OutboxWriter = WRITER) -> None:
        self._session = session
        self._writer = writer

    async def publish(self, events: Sequence[ChatEvent]) -> None:
        rows = []
        for event in events:
            event_type, message, occurred_at = _message(event)
            rows.append(OutboxEvent(event_type, event.conversation, message, occurred_at))
        if rows:
            await self._writer.add_many(self._session, rows)
