"""*Avaa Chat* for a MyRopo customer — a logged-in person (``persons/{key}``) or a visitor
(``visitors/{id}``, see ``visitors``): their conversations with the bot and customer service.

The chat service trusts its callers, so the gateway decides who reads what: every
``{conversation_id}`` route reads the conversation first (``GetConversation``) and
compares its customer with the request's subject (the session's or the visitor pass's).
Someone else's conversation, a missing one and a malformed id are the one
``chat_not_found()`` after exactly one audit record (the mechanism of every other object
route: ``InvoiceAccessPolicy.record_denial``).

Refusals of a message become ``ChatProblem`` (a text key, an HTTP status and, when the
person writes too fast, the seconds to wait).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final, Protocol

import grpc

from ropo_gateway.chat_events import ConversationWatch
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.chat import (
    CONVERSATIONS_PREFIX,
    ConversationPage,
    ConversationState,
    ConversationView,
    MessagePage,
    MessageView,
    Posted,
    Started,
)
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.access import MALFORMED_ID, InvoiceAccessPolicy

CONVERSATION_NOT_FOUND: Final = "CONVERSATION_NOT_FOUND"
#: The audit record's resource for an id that cannot name a conversation.
MALFORMED_CONVERSATION: Final = "conversations/-"
#: The chat service's ids (never the raw input in a record: it may be anything typed).
_CONVERSATION_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")
#: Longest message taken from the form; the service's own limit is lower and it says so.
MAX_TEXT_LENGTH: Final = 4000
#: Transcript shown on a page: the service's largest page, read at most this many times.
TRANSCRIPT_PAGE_SIZE: Final = 1000
MAX_TRANSCRIPT_PAGES: Final = 5
#: Conversations looked at for an open one (most recently updated first).
RECENT_CONVERSATIONS: Final = 20
RATE_LIMITED: Final = "CHAT_MESSAGE_RATE_LIMITED"
_MISSING: Final = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})


class ChatSource(Protocol):
    """The chat service as MyRopo uses it (``ChatClient``)."""

    async def start_conversation(
        self, request_id: str, customer: str, language_code: str, invoice: str = ""
    ) -> Started: ...

    async def post_message(
        self,
        request_id: str,
        conversation: str,
        sender: str,
        text: str,
        language_code: str,
        sender_display_name: str = "",
    ) -> Posted: ...

    async def list_messages(
        self, conversation: str, *, page_size: int = ..., page_token: str = ""
    ) -> MessagePage: ...

    async def get_conversation(self, name: str) -> ConversationView: ...

    def watch_conversation(
        self, conversation: str, after_message: str = ""
    ) -> ConversationWatch: ...

    async def list_conversations(
        self,
        *,
        customer: str = "",
        assignee: str = "",
        state: ConversationState = ...,
        page_size: int = ...,
        page_token: str = "",
    ) -> ConversationPage: ...

    async def close_conversation(
        self, request_id: str, conversation: str, actor: str
    ) -> ConversationView: ...


class MessageReader(Protocol):
    """``ListMessages`` alone: what reading a transcript needs."""

    async def list_messages(
        self, conversation: str, *, page_size: int = ..., page_token: str = ""
    ) -> MessagePage: ...


def chat_not_found() -> ApiError:
    """The one answer for a conversation that does not exist and for someone else's."""
    return ApiError(
        HTTPStatus.NOT_FOUND,
        CONVERSATION_NOT_FOUND,
        "Conversation not found.",
        page="chat_not_found",
    )


def conversation_name(conversation_id: str) -> str | None:
    """``conversations/{id}`` for a well-formed id, else ``None``."""
    if not _CONVERSATION_ID.match(conversation_id):
        return None
    return f"{CONVERSATIONS_PREFIX}{conversation_id}"


class ChatProblem(Exception):
    """Why a message or an action did not go through: ``key`` names the text
    (``chat.problem.<key>``), ``status`` the HTTP status."""

    def __init__(self, key: str, status: int, retry_after_seconds: int | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.status = status
        self.retry_after_seconds = retry_after_seconds


def problem_of(error: UpstreamError) -> ChatProblem | None:
    """The problem a refusal of the chat service means for the person; ``None`` when it is
    not about what they did (the service is down: an error page)."""
    rpc = error.rpc_error
    if rpc.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        seconds = rpc.retry_after_seconds
        return ChatProblem(
            "rate_limited", HTTPStatus.TOO_MANY_REQUESTS, max(1, int(seconds)) if seconds else None
        )
    if rpc.code == grpc.StatusCode.INVALID_ARGUMENT:
        return ChatProblem("invalid", HTTPStatus.UNPROCESSABLE_ENTITY)
    if rpc.code in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.PERMISSION_DENIED):
        return ChatProblem("closed", HTTPStatus.CONFLICT)
    return None


def typed_text(value: str | None) -> str:
    """The message as typed, trimmed; ``ChatProblem`` ``empty``/``too_long`` before any call."""
    text = (value or "").strip()
    if not text:
        raise ChatProblem("empty", HTTPStatus.UNPROCESSABLE_ENTITY)
    if len(text) > MAX_TEXT_LENGTH:
        raise ChatProblem("too_long", HTTPStatus.UNPROCESSABLE_ENTITY)
    return text


@dataclass(frozen=True, slots=True)
class Transcript:
    """A conversation and its messages, oldest first."""

    conversation: ConversationView
    messages: tuple[MessageView, ...]

    @property
    def last_message(self) -> str:
        return self.messages[-1].name if self.messages else ""


async def read_transcript(source: MessageReader, conversation: ConversationView) -> Transcript:
    """Every message of ``conversation`` (a very long one: its first pages)."""
    messages: list[MessageView] = []
    token = ""
    for _ in range(MAX_TRANSCRIPT_PAGES):
        page = await source.list_messages(
            conversation.name, page_size=TRANSCRIPT_PAGE_SIZE, page_token=token
        )
        messages.extend(page.messages)
        token = page.next_page_token
        if not token:
            break
    return Transcript(conversation, tuple(messages))


class CustomerChat:
    """The chat on behalf of one customer (``subject`` = ``persons/{key}`` or
    ``visitors/{id}``)."""

    def __init__(self, source: ChatSource, policy: InvoiceAccessPolicy) -> None:
        self.source = source
        self._policy = policy

    async def open_conversation(self, subject: str) -> ConversationView | None:
        """The customer's most recently active open conversation, if any."""
        page = await self.source.list_conversations(
            customer=subject, page_size=RECENT_CONVERSATIONS
        )
        for conversation in page.conversations:
            if conversation.customer == subject and conversation.state.open:
                return conversation
        return None

    async def start_new(self, subject: str, language: str) -> ConversationView:
        """A new conversation the bot greets in (the caller looked for an open one first:
        a visitor's new conversation is counted, a return to an open one is not)."""
        started = await self.source.start_conversation(new_request_id(), subject, language)
        return started.conversation

    async def conversation_of(self, subject: str, conversation_id: str) -> ConversationView:
        """The conversation when it is the person's; otherwise, after one audit record, the
        one ``chat_not_found()``."""
        name = conversation_name(conversation_id)
        if name is None:
            raise await self._refuse(subject, MALFORMED_CONVERSATION, MALFORMED_ID)
        try:
            conversation = await self.source.get_conversation(name)
        except UpstreamError as error:
            if error.rpc_error.code not in _MISSING:
                raise
            raise await self._refuse(subject, name, CONVERSATION_NOT_FOUND) from None
        if conversation.name != name or conversation.customer != subject:
            raise await self._refuse(subject, name, CONVERSATION_NOT_FOUND)
        return conversation

    async def post(
        self,
        subject: str,
        conversation: ConversationView,
        text: str,
        language: str,
        request_id: str,
    ) -> Posted:
        """The person's message and the bot's replies; ``ChatProblem`` when refused."""
        try:
            return await self.source.post_message(
                request_id, conversation.name, subject, text, language
            )
        except UpstreamError as error:
            problem = problem_of(error)
            if problem is None:
                raise
            raise problem from None

    async def close(
        self, subject: str, conversation: ConversationView, request_id: str
    ) -> ConversationView:
        try:
            return await self.source.close_conversation(request_id, conversation.name, subject)
        except UpstreamError as error:
            problem = problem_of(error)
            if problem is None:
                raise
            raise problem from None

    async def _refuse(self, subject: str, resource: str, reason: str) -> ApiError:
        await self._policy.record_denial(subject, resource, reason)
        return chat_not_found()
