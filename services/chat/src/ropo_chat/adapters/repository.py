"""SQLAlchemy Core implementation of the conversation repository.

Conversations are mapped by hand to the domain dataclass (no ORM state in the aggregate).
Every update is guarded by the conversation's version; the messages posted since it was
loaded are inserted alongside.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_chat.adapters.orm import PREVIEW, chat_messages, conversations
from ropo_chat.domain.conversation import (
    Conversation,
    ConversationState,
    HandoffReason,
    Message,
    MessageLink,
    SenderType,
)
from ropo_chat.service_layer.ports import (
    Conflict,
    ConversationFilter,
    ConversationRepository,
    TimeCursor,
)


def _conversation_values(conversation: Conversation) -> dict[str, Any]:
    return {
        "customer": conversation.customer,
        "language_code": conversation.language_code,
        "invoice": conversation.invoice,
        "state": conversation.state.value,
        "assignee": conversation.assignee,
        "assignee_display_name": conversation.assignee_display_name,
        "handoff_reason": conversation.handoff_reason.value
        if conversation.handoff_reason
        else None,
        "handoff_time": conversation.handoff_time,
        "closer": conversation.closer,
        "close_time": conversation.close_time,
        "last_message_text": conversation.last_message_text[:PREVIEW],
        "last_sequence": conversation.last_sequence,
        "create_time": conversation.create_time,
        "update_time": conversation.update_time,
        "version": conversation.version,
    }


def _conversation(row: sa.RowMapping) -> Conversation:
    reason = row["handoff_reason"]
    return Conversation(
        id=row["id"],
        customer=row["customer"],
        language_code=row["language_code"],
        invoice=row["invoice"],
        create_time=row["create_time"],
        update_time=row["update_time"],
        state=ConversationState(row["state"]),
        assignee=row["assignee"],
        assignee_display_name=row["assignee_display_name"],
        handoff_reason=HandoffReason(reason) if reason else None,
        handoff_time=row["handoff_time"],
        closer=row["closer"],
        close_time=row["close_time"],
        last_message_text=row["last_message_text"],
        last_sequence=row["last_sequence"],
        version=row["version"],
    )


def _message_values(message: Message) -> dict[str, Any]:
    return {
        "conversation_id": message.conversation_id,
        "sequence": message.sequence,
        "sender_type": message.sender_type.value,
        "sender": message.sender,
        "sender_display_name": message.sender_display_name,
        "text": message.text,
        "language_code": message.language_code,
        "intent": message.intent,
        "confidence": message.confidence,
        "links": json.dumps(
            [{"path": link.path, "label": link.label} for link in message.links],
            ensure_ascii=False,
        ),
        "create_time": message.create_time,
    }


def _message(row: sa.RowMapping) -> Message:
    return Message(
        conversation_id=row["conversation_id"],
        sequence=row["sequence"],
        sender_type=SenderType(row["sender_type"]),
        sender=row["sender"],
        sender_display_name=row["sender_display_name"],
        text=row["text"],
        language_code=row["language_code"],
        create_time=row["create_time"],
        intent=row["intent"],
        confidence=row["confidence"],
        links=tuple(MessageLink(link["path"], link["label"]) for link in json.loads(row["links"])),
    )


def _after(
    time_column: sa.ColumnElement[Any], cursor: TimeCursor, *, descending: bool
) -> sa.ColumnElement[bool]:
    """Rows after ``cursor`` in (time, id) order, ascending or descending."""
    if descending:
        return sa.or_(
            time_column < cursor.time,
            sa.and_(time_column == cursor.time, conversations.c.id < cursor.conversation_id),
        )
    return sa.or_(
        time_column > cursor.time,
        sa.and_(time_column == cursor.time, conversations.c.id > cursor.conversation_id),
    )


class SqlConversationRepository(ConversationRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _conversations(self, query: sa.Select[Any]) -> list[Conversation]:
        rows = (await self._session.execute(query)).mappings().all()
        return [_conversation(row) for row in rows]

    async def get(self, conversation_id: str) -> Conversation | None:
        found = await self._conversations(
            sa.select(conversations).where(conversations.c.id == conversation_id)
        )
        return found[0] if found else None

    async def add(self, conversation: Conversation) -> None:
        try:
            # A savepoint keeps the caller's transaction usable after a taken id.
            async with self._session.begin_nested():
                await self._session.execute(
                    sa.insert(conversations).values(
                        id=conversation.id, **_conversation_values(conversation)
                    )
                )
        except IntegrityError as error:
            raise Conflict("conversation id taken") from error
        await self._insert_messages(conversation)

    async def update(self, conversation: Conversation, expected_version: int) -> bool:
        result = await self._session.execute(
            sa.update(conversations)
            .where(
                conversations.c.id == conversation.id,
                conversations.c.version == expected_version,
            )
            .values(**_conversation_values(conversation))
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await self._insert_messages(conversation)
        return True

    async def _insert_messages(self, conversation: Conversation) -> None:
        messages = conversation.pull_messages()
        if messages:
            await self._session.execute(
                sa.insert(chat_messages), [_message_values(message) for message in messages]
            )

    async def queue(
        self, language_code: str, after: TimeCursor | None, limit: int
    ) -> Sequence[Conversation]:
        query = sa.select(conversations).where(
            conversations.c.state == ConversationState.QUEUED.value
        )
        if language_code:
            query = query.where(conversations.c.language_code == language_code)
        if after is not None:
            query = query.where(_after(conversations.c.handoff_time, after, descending=False))
        query = query.order_by(conversations.c.handoff_time, conversations.c.id).limit(limit)
        return await self._conversations(query)

    async def list(
        self, where: ConversationFilter, after: TimeCursor | None, limit: int
    ) -> Sequence[Conversation]:
        query = sa.select(conversations)
        if where.customer:
            query = query.where(conversations.c.customer == where.customer)
        if where.assignee:
            query = query.where(conversations.c.assignee == where.assignee)
        if where.state is not None:
            query = query.where(conversations.c.state == where.state.value)
        if after is not None:
            query = query.where(_after(conversations.c.update_time, after, descending=True))
        query = query.order_by(conversations.c.update_time.desc(), conversations.c.id.desc()).limit(
            limit
        )
        return await self._conversations(query)

    async def messages(
        self, conversation_id: str, after_sequence: int, limit: int
    ) -> Sequence[Message]:
        rows = (
            await self._session.execute(
                sa.select(chat_messages)
                .where(
                    chat_messages.c.conversation_id == conversation_id,
                    chat_messages.c.sequence > after_sequence,
                )
                .order_by(chat_messages.c.sequence)
                .limit(limit)
            )
        ).mappings()
        return [_message(row) for row in rows]

    async def bot_messages(self, conversation_id: str, limit: int) -> Sequence[Message]:
        rows = (
            await self._session.execute(
                sa.select(chat_messages)
                .where(
                    chat_messages.c.conversation_id == conversation_id,
                    chat_messages.c.sender_type == SenderType.BOT.value,
                )
                .order_by(chat_messages.c.sequence.desc())
                .limit(limit)
            )
        ).mappings()
        return [_message(row) for row in reversed(list(rows))]

    async def post_times(self, sender: str, since: datetime, limit: int) -> Sequence[datetime]:
        times = await self._session.scalars(
            sa.select(chat_messages.c.create_time)
            .where(chat_messages.c.sender == sender, chat_messages.c.create_time > since)
            .order_by(chat_messages.c.create_time.desc())
            .limit(limit)
        )
        return list(times)
