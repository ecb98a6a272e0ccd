"""WatchConversation: a conversation's new messages and state changes, as they happen.

The database is the only source of what changed; the live feed only says *that* a
conversation changed. So a watcher never sees a message twice or out of order, a
notification lost on the way costs at most ``heartbeat_seconds`` of delay, and when the
feed is down (NATS unreachable) the watcher re-reads every ``poll_seconds`` instead:
slower, never silent.

The stream sends the stored messages after the resume point first, then every new message
and every change of state or assignee; it ends after sending the closed conversation.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from ropo_chat.domain.conversation import Conversation, ConversationState, Message
from ropo_chat.service_layer.common import existing
from ropo_chat.service_layer.ports import LiveFeed
from ropo_chat.service_layer.unit_of_work import UnitOfWorkFactory

#: Messages read per query while catching up.
BATCH = 200


@dataclass(frozen=True, slots=True)
class WatchUpdate:
    """Exactly one of ``message`` and ``conversation``."""

    message: Message | None = None
    conversation: Conversation | None = None


def _visible_state(conversation: Conversation) -> tuple[ConversationState, str, str]:
    """What a watcher is told about when it changes."""
    return conversation.state, conversation.assignee, conversation.assignee_display_name


class Watcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        feed: LiveFeed,
        *,
        heartbeat_seconds: float,
        poll_seconds: float,
    ) -> None:
        self._uow = uow
        self._feed = feed
        self._heartbeat_seconds = heartbeat_seconds
        self._poll_seconds = poll_seconds

    async def watch(
        self, conversation_id: str, after_sequence: int | None = None
    ) -> AsyncGenerator[WatchUpdate, None]:
        """Updates of the conversation; ``after_sequence`` ``None`` starts from now.
        ``NOT_FOUND`` before the first update when the conversation does not exist."""
        with self._feed.subscribe(f"conversations/{conversation_id}") as subscription:
            # Subscribed before the first read: a change after it always wakes us.
            conversation = await self._read(conversation_id)
            position = conversation.last_sequence if after_sequence is None else after_sequence
            # A closed conversation is announced (and ends the stream) even when it was
            # closed before the watch began.
            seen = None if conversation.is_closed else _visible_state(conversation)
            while True:
                for update in await self._changes(conversation_id, position, seen):
                    if update.message is not None:
                        position = update.message.sequence
                    if update.conversation is not None:
                        seen = _visible_state(update.conversation)
                    yield update
                    if update.conversation is not None and update.conversation.is_closed:
                        return
                timeout = self._heartbeat_seconds if self._feed.connected else self._poll_seconds
                await subscription.wait(timeout)

    async def _read(self, conversation_id: str) -> Conversation:
        async with self._uow(read_only=True) as uow:
            return await existing(uow, conversation_id)

    async def _changes(
        self,
        conversation_id: str,
        position: int,
        seen: tuple[ConversationState, str, str] | None,
    ) -> list[WatchUpdate]:
        """What happened after ``position`` and ``seen``, read in one go (no database session
        stays open while a slow client receives)."""
        updates: list[WatchUpdate] = []
        async with self._uow(read_only=True) as uow:
            # The conversation first: every message it counts is stored, so a closed one's
            # transcript is complete below.
            conversation = await existing(uow, conversation_id)
            while position < conversation.last_sequence:
                batch = await uow.conversations.messages(conversation_id, position, BATCH)
                if not batch:
                    break
                updates.extend(WatchUpdate(message=message) for message in batch)
                position = batch[-1].sequence
        if _visible_state(conversation) != seen:
            updates.append(WatchUpdate(conversation=conversation))
        return updates
