"""Client of ``ropo.chat.v1.ChatService``: *Avaa Chat* in MyRopo and the chat queue in Ropo One.

The chat service keeps conversations and answers with its bot; who may read which
conversation is the gateway's decision (the service trusts its callers), so the pages
read a conversation first and compare its customer or assignee with the session. The
answers are mapped once into plain values the pages, the JSON answers of the chat form
and the Server-Sent Events read. ``watch_conversation`` returns the live stream as a
``ConversationWatch`` whose ``cancel`` ends the gRPC call when the browser goes away.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, TypeVar

import grpc.aio
from google.protobuf.message import Message
from ropo.chat.v1 import (
    chat_service_pb2,
    chat_service_pb2_grpc,
    conversation_pb2,
    message_pb2,
)

from ropo_gateway.clients.base import translate_errors

PEER: Final = "chat"
CONVERSATIONS_PREFIX: Final = "conversations/"
#: The service's largest page.
MAX_PAGE_SIZE: Final = 1000
DEFAULT_PAGE_SIZE: Final = 50


class ConversationState(StrEnum):
    """Lifecycle of a conversation (``Conversation.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    BOT = "BOT"
    QUEUED = "QUEUED"
    WITH_AGENT = "WITH_AGENT"
    CLOSED = "CLOSED"

    @property
    def proto(self) -> int:
        return int(conversation_pb2.Conversation.State.Value(f"STATE_{self.value}"))

    @property
    def open(self) -> bool:
        return self in OPEN_STATES


OPEN_STATES: Final = frozenset(
    {ConversationState.BOT, ConversationState.QUEUED, ConversationState.WITH_AGENT}
)


class SenderType(StrEnum):
    """Who wrote a message (``SenderType`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    CUSTOMER = "CUSTOMER"
    BOT = "BOT"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"


class HandoffReason(StrEnum):
    """Why a conversation went to a person (``HandoffReason`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    UNHELPFUL_ANSWERS = "UNHELPFUL_ANSWERS"
    TRANSFER = "TRANSFER"


@dataclass(frozen=True, slots=True)
class ChatLink:
    """A MyRopo page a bot message suggests: its path and its text."""

    path: str
    label: str


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message of a transcript."""

    name: str
    sender_type: SenderType
    sender: str
    sender_display_name: str
    text: str
    links: tuple[ChatLink, ...]
    language_code: str
    create_time: datetime | None

    @property
    def conversation(self) -> str:
        """``conversations/{id}`` of ``conversations/{id}/messages/{message}``."""
        return self.name.split("/messages/", 1)[0]


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation as the pages show it."""

    name: str
    state: ConversationState
    customer: str
    language_code: str
    invoice: str
    assignee: str
    assignee_display_name: str
    handoff_reason: HandoffReason
    last_message_text: str
    create_time: datetime | None
    update_time: datetime | None
    handoff_time: datetime | None
    close_time: datetime | None

    @property
    def id(self) -> str:
        """The id used in URLs (``conversations/{id}`` → ``{id}``)."""
        return self.name.removeprefix(CONVERSATIONS_PREFIX)


@dataclass(frozen=True, slots=True)
class ConversationPage:
    conversations: tuple[ConversationView, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: tuple[MessageView, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class Started:
    """``StartConversation``'s answer: the conversation and the bot's greeting."""

    conversation: ConversationView
    messages: tuple[MessageView, ...]


@dataclass(frozen=True, slots=True)
class Posted:
    """``PostMessage``'s answer: the stored message, the bot's replies and the conversation
    after them (queued after a hand-off)."""

    message: MessageView
    replies: tuple[MessageView, ...]
    conversation: ConversationView


_E = TypeVar("_E", bound=StrEnum)

#: One update of a watched conversation: a new message or the conversation's new state.
ChatUpdate = MessageView | ConversationView


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _enum_member(kind: type[_E], name: str, prefix: str, default: _E) -> _E:
    return kind.__members__.get(name.removeprefix(prefix), default)


def conversation_state(value: int) -> ConversationState:
    try:
        name = conversation_pb2.Conversation.State.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return ConversationState.UNSPECIFIED
    return _enum_member(ConversationState, name, "STATE_", ConversationState.UNSPECIFIED)


def sender_type(value: int) -> SenderType:
    try:
        name = message_pb2.SenderType.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return SenderType.UNSPECIFIED
    return _enum_member(SenderType, name, "SENDER_TYPE_", SenderType.UNSPECIFIED)


def handoff_reason(value: int) -> HandoffReason:
    try:
        name = conversation_pb2.HandoffReason.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return HandoffReason.UNSPECIFIED
    return _enum_member(HandoffReason, name, "HANDOFF_REASON_", HandoffReason.UNSPECIFIED)


def message_view(message: message_pb2.Message) -> MessageView:
    return MessageView(
        name=message.name,
        sender_type=sender_type(message.sender_type),
        sender=message.sender,
        sender_display_name=message.sender_display_name,
        text=message.text,
        links=tuple(ChatLink(link.path, link.label) for link in message.links),
        language_code=message.language_code,
        create_time=_time(message, "create_time"),
    )


def conversation_view(message: conversation_pb2.Conversation) -> ConversationView:
    return ConversationView(
        name=message.name,
        state=conversation_state(message.state),
        customer=message.customer,
        language_code=message.language_code,
        invoice=message.invoice,
        assignee=message.assignee,
        assignee_display_name=message.assignee_display_name,
        handoff_reason=handoff_reason(message.handoff_reason),
        last_message_text=message.last_message_text,
        create_time=_time(message, "create_time"),
        update_time=_time(message, "update_time"),
        handoff_time=_time(message, "handoff_time"),
        close_time=_time(message, "close_time"),
    )


def update_of(response: chat_service_pb2.WatchConversationResponse) -> ChatUpdate | None:
    """The update a stream response carries (``None`` for one this gateway does not know)."""
    kind = response.WhichOneof("update")
    if kind == "message":
        return message_view(response.message)
    if kind == "conversation":
        return conversation_view(response.conversation)
    return None


class ConversationWatch:
    """The live updates of one conversation; iterate once, ``cancel`` to stop early."""

    def __init__(
        self,
        call: grpc.aio.UnaryStreamCall[
            chat_service_pb2.WatchConversationRequest, chat_service_pb2.WatchConversationResponse
        ],
    ) -> None:
        self._call = call

    async def __aiter__(self) -> AsyncIterator[ChatUpdate]:
        async with translate_errors(PEER):
            async for response in self._call:
                update = update_of(response)
                if update is not None:
                    yield update

    def cancel(self) -> None:
        """End the gRPC call (the browser went away); harmless when already over."""
        self._call.cancel()


class ChatClient:
    """Typed wrapper of the generated stub; every unary call has the channel's deadline, the
    watch stream none (it lasts as long as the page is open)."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        self._timeout = timeout_seconds

    async def start_conversation(
        self, request_id: str, customer: str, language_code: str, invoice: str = ""
    ) -> Started:
        async with translate_errors(PEER):
            response = await self._stub.StartConversation(
                chat_service_pb2.StartConversationRequest(
                    request_id=request_id,
                    customer=customer,
                    language_code=language_code,
                    invoice=invoice,
                ),
                timeout=self._timeout,
            )
        return Started(
            conversation_view(response.conversation),
            tuple(message_view(item) for item in response.messages),
        )

    async def post_message(
        self,
        request_id: str,
        conversation: str,
        sender: str,
        text: str,
        language_code: str,
        sender_display_name: str = "",
    ) -> Posted:
        """RESOURCE_EXHAUSTED ``CHAT_MESSAGE_RATE_LIMITED`` (with a retry delay) when the
        sender writes too fast; FAILED_PRECONDITION when the conversation is closed or the
        sender may not write now."""
        async with translate_errors(PEER):
            response = await self._stub.PostMessage(
                chat_service_pb2.PostMessageRequest(
                    request_id=request_id,
                    conversation=conversation,
                    sender=sender,
                    sender_display_name=sender_display_name,
                    text=text,
                    language_code=language_code,
                ),
                timeout=self._timeout,
            )
        return Posted(
            message_view(response.message),
            tuple(message_view(item) for item in response.replies),
            conversation_view(response.conversation),
        )

    async def list_messages(
        self, conversation: str, *, page_size: int = DEFAULT_PAGE_SIZE, page_token: str = ""
    ) -> MessagePage:
        async with translate_errors(PEER):
            response = await self._stub.ListMessages(
                chat_service_pb2.ListMessagesRequest(
                    conversation=conversation,
                    page_size=min(page_size, MAX_PAGE_SIZE),
                    page_token=page_token,
                ),
                timeout=self._timeout,
            )
        return MessagePage(
            tuple(message_view(item) for item in response.messages), response.next_page_token
        )

    def watch_conversation(self, conversation: str, after_message: str = "") -> ConversationWatch:
        """The live stream (messages after ``after_message``, then new ones and state changes);
        nothing is sent until it is iterated."""
        call = self._stub.WatchConversation(
            chat_service_pb2.WatchConversationRequest(
                conversation=conversation, after_message=after_message
            ),
        )
        return ConversationWatch(call)

    async def list_queue(
        self, *, language_code: str = "", page_size: int = DEFAULT_PAGE_SIZE, page_token: str = ""
    ) -> ConversationPage:
        async with translate_errors(PEER):
            response = await self._stub.ListQueue(
                chat_service_pb2.ListQueueRequest(
                    page_size=min(page_size, MAX_PAGE_SIZE),
                    page_token=page_token,
                    language_code=language_code,
                ),
                timeout=self._timeout,
            )
        return ConversationPage(
            tuple(conversation_view(item) for item in response.conversations),
            response.next_page_token,
        )

    async def claim_conversation(
        self, request_id: str, conversation: str, agent: str, agent_display_name: str
    ) -> ConversationView:
        async with translate_errors(PEER):
            response = await self._stub.ClaimConversation(
                chat_service_pb2.ClaimConversationRequest(
                    request_id=request_id,
                    conversation=conversation,
                    agent=agent,
                    agent_display_name=agent_display_name,
                ),
                timeout=self._timeout,
            )
        return conversation_view(response.conversation)

    async def transfer_conversation(
        self,
        request_id: str,
        conversation: str,
        actor: str,
        target_agent: str = "",
        target_agent_display_name: str = "",
    ) -> ConversationView:
        """To ``target_agent``, or back to the queue when it is empty."""
        async with translate_errors(PEER):
            response = await self._stub.TransferConversation(
                chat_service_pb2.TransferConversationRequest(
                    request_id=request_id,
                    conversation=conversation,
                    actor=actor,
                    target_agent=target_agent,
                    target_agent_display_name=target_agent_display_name,
                ),
                timeout=self._timeout,
            )
        return conversation_view(response.conversation)

    async def close_conversation(
        self, request_id: str, conversation: str, actor: str
    ) -> ConversationView:
        async with translate_errors(PEER):
            response = await self._stub.CloseConversation(
                chat_service_pb2.CloseConversationRequest(
                    request_id=request_id, conversation=conversation, actor=actor
                ),
                timeout=self._timeout,
            )
        return conversation_view(response.conversation)

    async def get_conversation(self, name: str) -> ConversationView:
        async with translate_errors(PEER):
            response = await self._stub.GetConversation(
                chat_service_pb2.GetConversationRequest(name=name), timeout=self._timeout
            )
        return conversation_view(response.conversation)

    async def list_conversations(
        self,
        *,
        customer: str = "",
        assignee: str = "",
        state: ConversationState = ConversationState.UNSPECIFIED,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str = "",
    ) -> ConversationPage:
        """Most recently updated first; at least one of ``customer`` and ``assignee``."""
        async with translate_errors(PEER):
            response = await self._stub.ListConversations(
                chat_service_pb2.ListConversationsRequest(
                    page_size=min(page_size, MAX_PAGE_SIZE),
                    page_token=page_token,
                    customer=customer,
                    assignee=assignee,
                    state=state.proto,  # type: ignore[arg-type]
                ),
                timeout=self._timeout,
            )
        return ConversationPage(
            tuple(conversation_view(item) for item in response.conversations),
            response.next_page_token,
        )
