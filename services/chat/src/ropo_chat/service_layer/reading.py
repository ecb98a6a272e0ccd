"""Reading conversations: one, the agent queue, a customer's or an agent's list, and a
transcript. Pages are keyset pages with opaque tokens bound to the query
(``ropo_platform.pagination``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ropo_platform.pagination import (
    InvalidPageToken,
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)

from ropo_chat.domain.conversation import Conversation, Message
from ropo_chat.service_layer.common import Dependencies, existing
from ropo_chat.service_layer.ports import ConversationFilter, TimeCursor

_KEY_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class ConversationPage:
    conversations: tuple[Conversation, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: tuple[Message, ...]
    next_page_token: str


class Reader:
    """The read-only use cases."""

    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def get(self, conversation_id: str) -> Conversation:
        async with self._deps.uow(read_only=True) as uow:
            return await existing(uow, conversation_id)

    async def queue(self, language_code: str, page_size: int, page_token: str) -> ConversationPage:
        limit = effective_page_size(page_size)
        digest = query_digest(["queue", language_code])
        after = _cursor(decode_page_token(page_token, digest))
        async with self._deps.uow(read_only=True) as uow:
            found = await uow.conversations.queue(language_code, after, limit + 1)
        return _conversation_page(found, limit, digest, by_handoff=True)

    async def conversations(
        self, where: ConversationFilter, page_size: int, page_token: str
    ) -> ConversationPage:
        limit = effective_page_size(page_size)
        state = where.state.value if where.state else ""
        digest = query_digest(["list", where.customer, where.assignee, state])
        after = _cursor(decode_page_token(page_token, digest))
        async with self._deps.uow(read_only=True) as uow:
            found = await uow.conversations.list(where, after, limit + 1)
        return _conversation_page(found, limit, digest, by_handoff=False)

    async def messages(self, conversation_id: str, page_size: int, page_token: str) -> MessagePage:
        limit = effective_page_size(page_size)
        digest = query_digest(["messages", conversation_id])
        last_key = decode_page_token(page_token, digest)
        after = 0
        if last_key is not None:
            if not last_key.isdigit():
                raise InvalidPageToken("is not a token from a previous response")
            after = int(last_key)
        async with self._deps.uow(read_only=True) as uow:
            await existing(uow, conversation_id)
            found = await uow.conversations.messages(conversation_id, after, limit + 1)
        page = tuple(found[:limit])
        token = ""
        if len(found) > limit:
            token = encode_page_token(str(page[-1].sequence), digest)
        return MessagePage(page, token)


def _conversation_page(
    found: Sequence[Conversation], limit: int, digest: str, *, by_handoff: bool
) -> ConversationPage:
    page = tuple(found[:limit])
    token = ""
    if len(found) > limit:
        last = page[-1]
        time = last.handoff_time if by_handoff else last.update_time
        assert time is not None
        token = encode_page_token(f"{time.isoformat()}{_KEY_SEPARATOR}{last.id}", digest)
    return ConversationPage(page, token)


def _cursor(key: str | None) -> TimeCursor | None:
    if key is None:
        return None
    time, _, conversation_id = key.partition(_KEY_SEPARATOR)
    try:
        return TimeCursor(datetime.fromisoformat(time), conversation_id)
    except ValueError:
        raise InvalidPageToken("is not a token from a previous response") from None
