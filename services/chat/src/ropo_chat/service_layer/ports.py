"""Ports: what the chat use cases need from storage, from the services that know a
person's invoices, and from the live feed of changes.

``adapters`` implement them (SQLAlchemy, gRPC clients, NATS); unit tests use fakes.
Nothing here imports an I/O library.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from ropo_platform.errors import FieldViolation, ValidationFailed

from ropo_chat.domain.bot import PersonFacts
from ropo_chat.domain.conversation import ChatEvent, Conversation, ConversationState, Message

REQUEST_ID_REUSED = "REQUEST_ID_REUSED"


class Conflict(Exception):
    """A unique key was taken by a concurrent writer; the caller decides what to do."""


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with a different request (``INVALID_ARGUMENT``)."""

    def __init__(self, method: str) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message=f"request_id was already used for a different {method} request",
            reason=REQUEST_ID_REUSED,
        )


# ------------------------------------------------------------------ conversations


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """ListConversations: at least one of ``customer`` and ``assignee``."""

    customer: str = ""
    assignee: str = ""
    state: ConversationState | None = None


@dataclass(frozen=True, slots=True)
class TimeCursor:
    """Keyset position: the time and id of the last conversation of the previous page."""

    time: datetime
    conversation_id: str


class ConversationRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, conversation_id: str) -> Conversation | None: ...

    @abc.abstractmethod
    async def add(self, conversation: Conversation) -> None:
        """Insert the conversation and its new messages (``pull_messages``)."""

    @abc.abstractmethod
    async def update(self, conversation: Conversation, expected_version: int) -> bool:
        """Store ``conversation`` (version already bumped) and its new messages if the stored
        row is still at ``expected_version``; False when another writer changed it first
        (nothing is written then)."""

    @abc.abstractmethod
    async def queue(
        self, language_code: str, after: TimeCursor | None, limit: int
    ) -> Sequence[Conversation]:
        """Queued conversations, the longest waiting first (hand-off time, then id);
        ``language_code`` empty for every language."""

    @abc.abstractmethod
    async def list(
        self, where: ConversationFilter, after: TimeCursor | None, limit: int
    ) -> Sequence[Conversation]:
        """Most recently updated first (update time, then id, both descending)."""

    @abc.abstractmethod
    async def messages(
        self, conversation_id: str, after_sequence: int, limit: int
    ) -> Sequence[Message]:
        """The conversation's messages after ``after_sequence``, in posting order."""

    @abc.abstractmethod
    async def bot_messages(self, conversation_id: str, limit: int) -> Sequence[Message]:
        """The conversation's latest ``limit`` bot messages, oldest first."""

    @abc.abstractmethod
    async def post_times(self, sender: str, since: datetime, limit: int) -> Sequence[datetime]:
        """When ``sender`` posted (any conversation) after ``since``; the newest ``limit``."""


# ------------------------------------------------------------------ requests and events


class RequestLog(abc.ABC):
    """Stored responses of mutating requests by ``(method, request_id)``."""

    @abc.abstractmethod
    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        """The stored response; ``RequestIdReused`` when the fingerprint differs."""

    @abc.abstractmethod
    async def record(self, method: str, request_id: str, fingerprint: str, response: bytes) -> None:
        """``Conflict`` when a concurrent call with the same id recorded first."""


class ChatEventOutbox(abc.ABC):
    """Integration events, written in the state change's transaction."""

    @abc.abstractmethod
    async def publish(self, events: Sequence[ChatEvent]) -> None: ...


# ------------------------------------------------------------------ peers and sources


class PersonFactsSource(Protocol):
    """What the bot may know about a logged-in person."""

    async def facts_for(self, person: str, language_code: str) -> PersonFacts | None:
        """The invoices ``person`` may see and act on; ``None`` when they could not be read
        in time (the bot then answers in general terms). Never raises for a peer's failure."""
        ...


class IdSource(Protocol):
    def new_id(self) -> str:
        """A new conversation id (a UUID4 string)."""
        ...


class Responses(Protocol):
    """Serialized responses of mutating calls, stored for idempotent replay."""

    def started(self, conversation: Conversation, messages: Sequence[Message]) -> bytes: ...

    def posted(
        self, message: Message, replies: Sequence[Message], conversation: Conversation
    ) -> bytes: ...

    def changed(self, method: str, conversation: Conversation) -> bytes:
        """ClaimConversation, TransferConversation and CloseConversation answer with the
        conversation only."""
        ...


# ------------------------------------------------------------------ live delivery


class LiveSubscription(Protocol):
    """Wake-ups for one watched conversation."""

    async def wait(self, within: float) -> bool:
        """True when something changed in the conversation since the last call (or since
        subscribing), False after ``within`` seconds without news."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class LiveFeed(Protocol):
    """Tells watchers that a conversation changed (in production: the events the worker's
    relay publishes to NATS). The database stays the source of what changed."""

    @property
    def connected(self) -> bool:
        """False while the feed cannot deliver (watchers then poll the database)."""
        ...

    def subscribe(self, conversation: str) -> LiveSubscription:
        """Wake-ups for ``conversation`` (its resource name) from now on."""
        ...
