"""The conversation aggregate: a customer's chat with the bot and, when needed, a person.

::

    start --> BOT --hand_off(customer request | low confidence | unhelpful answers)--> QUEUED
    QUEUED --claim(agent)--> WITH_AGENT
    WITH_AGENT --transfer(to the queue)--> QUEUED
    WITH_AGENT --transfer(to another agent)--> WITH_AGENT (the new assignee)
    BOT | QUEUED | WITH_AGENT --close--> CLOSED (final)

Who may do what: the customer (``persons/{key}`` or ``visitors/{visitor}``) writes in
every open state; the bot only while the conversation is with the bot; an agent
(``staffUsers/{user}``) only after claiming it, and only the assignee writes, transfers or
closes it as an agent; the customer may close it at any time, and the system (closer
``""``, after inactivity) too. The bot's decision to hand off is the bot's own
(``domain.bot``); this aggregate records it with ``hand_off``.

Messages are numbered per conversation from 1 (``sequence``); a message's id is its
zero-padded sequence, so ids sort in posting order and ``after_message`` of
WatchConversation resumes from a number. The aggregate does not hold the transcript:
the messages posted since it was loaded wait in ``pull_messages`` for the repository,
like the domain events in ``pull_events`` wait for the outbox. Every change bumps
``version``; the ``etag`` derived from it lets a caller prove it saw the current state.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ropo_platform.errors import FailedPrecondition, PermissionDenied, Violations

from ropo_chat.domain.messages import clean_generated_text, clean_message_text

CONVERSATIONS = "conversations/"
PERSONS = "persons/"
VISITORS = "visitors/"
STAFF_USERS = "staffUsers/"
INVOICES = "invoices/"
LANGUAGES = frozenset({"fi", "sv", "en"})
MESSAGE_ID_DIGITS = 10
MAX_DISPLAY_NAME_LENGTH = 100
#: How the bot signs its messages, by the conversation's language.
BOT_DISPLAY_NAMES = {"fi": "Ropo-botti", "sv": "Ropo-botten", "en": "Ropo bot"}
SYSTEM_DISPLAY_NAME = "Ropo"

# ErrorInfo reasons of refused transitions.
CONVERSATION_CLOSED = "CHAT_CONVERSATION_CLOSED"
BOT_NOT_ANSWERING = "CHAT_BOT_NOT_ANSWERING"
ALREADY_HANDED_OFF = "CHAT_ALREADY_HANDED_OFF"
NOT_QUEUED = "CHAT_CONVERSATION_NOT_QUEUED"
ALREADY_CLAIMED = "CHAT_CONVERSATION_ALREADY_CLAIMED"
NOT_WITH_AGENT = "CHAT_CONVERSATION_NOT_WITH_AGENT"
NOT_ASSIGNEE = "CHAT_NOT_ASSIGNEE"
NOT_CUSTOMER = "CHAT_NOT_CONVERSATION_CUSTOMER"
NOT_PARTICIPANT = "CHAT_NOT_PARTICIPANT"
TRANSFER_TO_SELF = "CHAT_TRANSFER_TO_SELF"

_PARTICIPANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")
_MESSAGE_NAME = re.compile(
    rf"^{CONVERSATIONS}(?P<conversation>[^/]+)/messages/(?P<sequence>[0-9]{{{MESSAGE_ID_DIGITS}}})$"
)


class ConversationState(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


OPEN_STATES = frozenset(
    {ConversationState.BOT, ConversationState.QUEUED, ConversationState.WITH_AGENT}
)


class HandoffReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"
    LOW_CONFIDENCE = "low_confidence"
    UNHELPFUL_ANSWERS = "unhelpful_answers"
    TRANSFER = "transfer"


#: The reasons the bot hands off for; TRANSFER is an agent's, through ``transfer``.
BOT_HANDOFF_REASONS = frozenset(
    {HandoffReason.CUSTOMER_REQUEST, HandoffReason.LOW_CONFIDENCE, HandoffReason.UNHELPFUL_ANSWERS}
)


class SenderType(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


# ---------------------------------------------------------------------------- names


def conversation_name(conversation_id: str) -> str:
    return f"{CONVERSATIONS}{conversation_id}"


def message_name(conversation_id: str, sequence: int) -> str:
    """``conversations/{id}/messages/{sequence, zero-padded}``: sorts in posting order."""
    return f"{CONVERSATIONS}{conversation_id}/messages/{sequence:0{MESSAGE_ID_DIGITS}d}"


def parse_message_name(name: str) -> tuple[str, int] | None:
    """``(conversation id, sequence)`` of a message name; None when it is not one."""
    match = _MESSAGE_NAME.match(name)
    if match is None:
        return None
    return match["conversation"], int(match["sequence"])


def is_customer(party: str) -> bool:
    """A logged-in person or an anonymous visitor."""
    return _is_named(party, PERSONS) or _is_named(party, VISITORS)


def is_agent(party: str) -> bool:
    return _is_named(party, STAFF_USERS)


def _is_named(party: str, collection: str) -> bool:
    return party.startswith(collection) and bool(
        _PARTICIPANT_ID.match(party.removeprefix(collection))
    )


# ---------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class MessageLink:
    """A MyRopo page a bot message suggests."""

    path: str
    label: str


@dataclass(frozen=True, slots=True)
class Message:
    """One stored message; ``text`` is plain text, already masked (``domain.messages``)."""

    conversation_id: str
    sequence: int
    sender_type: SenderType
    sender: str
    sender_display_name: str
    text: str
    language_code: str
    create_time: datetime
    #: The bot's ``Intent`` value (lower_snake); empty on other messages.
    intent: str = ""
    #: The bot's confidence in ``intent``, 0 to 1; 0 on other messages.
    confidence: float = 0.0
    links: tuple[MessageLink, ...] = ()

    @property
    def name(self) -> str:
        return message_name(self.conversation_id, self.sequence)


# ---------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class ConversationStarted:
    conversation: str
    customer: str
    language_code: str
    invoice: str
    start_time: datetime


@dataclass(frozen=True, slots=True)
class MessagePosted:
    conversation: str
    message: str
    sender_type: SenderType
    sender: str
    sender_display_name: str
    text: str
    intent: str
    links: tuple[MessageLink, ...]
    post_time: datetime


@dataclass(frozen=True, slots=True)
class ConversationHandedOff:
    conversation: str
    reason: HandoffReason
    #: The agent it was given to; empty when queued.
    assignee: str
    language_code: str
    handoff_time: datetime


@dataclass(frozen=True, slots=True)
class ConversationClosed:
    conversation: str
    #: The customer, a staff user, or empty when the system closed it.
    closer: str
    close_time: datetime


ChatEvent = ConversationStarted | MessagePosted | ConversationHandedOff | ConversationClosed


def etag_of(conversation_id: str, version: int) -> str:
    """Opaque, changes with every version of the conversation."""
    return hashlib.sha256(f"{conversation_id}:{version}".encode()).hexdigest()[:24]


# ---------------------------------------------------------------------------- aggregate


@dataclass(slots=True)
class Conversation:
    id: str
    customer: str
    language_code: str
    invoice: str
    create_time: datetime
    update_time: datetime
    state: ConversationState = ConversationState.BOT
    assignee: str = ""
    assignee_display_name: str = ""
    handoff_reason: HandoffReason | None = None
    handoff_time: datetime | None = None
    closer: str = ""
    close_time: datetime | None = None
    last_message_text: str = ""
    #: Sequence of the latest message; 0 before the first.
    last_sequence: int = 0
    version: int = 1
    events: list[ChatEvent] = field(default_factory=list, compare=False, repr=False)
    new_messages: list[Message] = field(default_factory=list, compare=False, repr=False)

    # ------------------------------------------------------------------ starting

    @classmethod
    def start(
        cls,
        conversation_id: str,
        *,
        customer: str,
        language_code: str,
        invoice: str = "",
        at: datetime,
    ) -> Conversation:
        """A new conversation with the bot. Raises ``ValidationFailed`` for a customer that
        is neither a person nor a visitor, an unknown language or a malformed invoice."""
        violations = Violations()
        violations.check(
            is_customer(customer), "customer", "must be persons/{key} or visitors/{visitor}"
        )
        violations.check(language_code in LANGUAGES, "language_code", "must be fi, sv or en")
        violations.check(
            not invoice or _is_named(invoice, INVOICES), "invoice", "must be invoices/{invoice}"
        )
        violations.raise_if_any()
        conversation = cls(
            id=conversation_id,
            customer=customer,
            language_code=language_code,
            invoice=invoice,
            create_time=at,
            update_time=at,
        )
        conversation.events.append(
            ConversationStarted(
                conversation=conversation.name,
                customer=customer,
                language_code=language_code,
                invoice=invoice,
                start_time=at,
            )
        )
        return conversation

    # ------------------------------------------------------------------ views

    @property
    def name(self) -> str:
        return conversation_name(self.id)

    @property
    def etag(self) -> str:
        return etag_of(self.id, self.version)

    @property
    def is_closed(self) -> bool:
        return self.state is ConversationState.CLOSED

    @property
    def last_message_name(self) -> str:
        """Name of the latest message; empty before the first."""
        return message_name(self.id, self.last_sequence) if self.last_sequence else ""

    # ------------------------------------------------------------------ messages

    def post_customer_message(
        self, sender: str, text: str, at: datetime, *, language_code: str = ""
    ) -> Message:
        """The customer writes, in any open state. ``text`` is cleaned and masked
        (``ValidationFailed`` on field ``text``); ``language_code`` defaults to the
        conversation's."""
        self._require_open()
        if sender != self.customer:
            raise PermissionDenied(NOT_CUSTOMER, "Only the conversation's customer writes as one.")
        return self._post(
            SenderType.CUSTOMER,
            sender=sender,
            display_name="",
            text=clean_message_text(text),
            language_code=self._language(language_code),
            at=at,
        )

    def post_bot_message(
        self,
        intent: str,
        confidence: float,
        text: str,
        at: datetime,
        *,
        language_code: str = "",
        links: Sequence[MessageLink] = (),
    ) -> Message:
        """The bot answers; only while the conversation is with the bot. ``intent`` is the
        value of the bot's ``Intent`` (a StrEnum member works)."""
        self._require_open()
        if self.state is not ConversationState.BOT:
            raise FailedPrecondition(
                BOT_NOT_ANSWERING, "The conversation has been handed to customer service."
            )
        if not intent:
            raise ValueError("a bot message needs an intent")
        if not 0.0 <= confidence <= 1.0:
            raise ValueError("a bot's confidence is between 0 and 1")
        language = self._language(language_code)
        return self._post(
            SenderType.BOT,
            sender="",
            display_name=BOT_DISPLAY_NAMES[language],
            text=clean_generated_text(text),
            language_code=language,
            at=at,
            intent=str(intent),
            confidence=confidence,
            links=tuple(links),
        )

    def post_agent_message(
        self, agent: str, text: str, at: datetime, *, display_name: str = ""
    ) -> Message:
        """The assignee writes (``display_name`` defaults to the one given when claiming)."""
        self._require_open()
        if self.state is not ConversationState.WITH_AGENT:
            raise FailedPrecondition(NOT_WITH_AGENT, "No agent has claimed the conversation.")
        self._require_assignee(agent)
        shown_name = (
            _clean_display_name(display_name, "sender_display_name")
            if display_name.strip()
            else self.assignee_display_name
        )
        return self._post(
            SenderType.AGENT,
            sender=agent,
            display_name=shown_name,
            text=clean_message_text(text),
            language_code=self.language_code,
            at=at,
        )

    def post_system_message(self, text: str, at: datetime, *, language_code: str = "") -> Message:
        """A notice in the transcript ("An agent joined"), worded by the caller."""
        self._require_open()
        return self._post(
            SenderType.SYSTEM,
            sender="",
            display_name=SYSTEM_DISPLAY_NAME,
            text=clean_generated_text(text),
            language_code=self._language(language_code),
            at=at,
        )

    # ------------------------------------------------------------------ hand-off and agents

    def hand_off(self, reason: HandoffReason, at: datetime) -> None:
        """The bot gives the conversation to a person: into the agent queue."""
        if reason not in BOT_HANDOFF_REASONS:
            raise ValueError("an agent's transfer goes through transfer()")
        self._require_open()
        if self.state is not ConversationState.BOT:
            raise FailedPrecondition(
                ALREADY_HANDED_OFF, "The conversation is already with customer service."
            )
        self._queue(reason, at)

    def claim(self, agent: str, display_name: str, at: datetime) -> None:
        """An agent takes the conversation from the queue."""
        _require_agent(agent, "agent")
        shown_name = _clean_display_name(display_name, "agent_display_name")
        self._require_open()
        if self.state is ConversationState.WITH_AGENT:
            raise FailedPrecondition(
                ALREADY_CLAIMED, "Another agent has already claimed the conversation."
            )
        if self.state is not ConversationState.QUEUED:
            raise FailedPrecondition(NOT_QUEUED, "The conversation is not in the agent queue.")
        self.state = ConversationState.WITH_AGENT
        self.assignee = agent
        self.assignee_display_name = shown_name
        self._changed(at)

    def transfer(
        self, actor: str, at: datetime, *, target_agent: str = "", target_display_name: str = ""
    ) -> None:
        """The assignee gives the conversation to ``target_agent``, or back to the queue
        when that is empty."""
        shown_name = ""
        if target_agent:
            _require_agent(target_agent, "target_agent")
            shown_name = _clean_display_name(target_display_name, "target_agent_display_name")
        self._require_open()
        if self.state is not ConversationState.WITH_AGENT:
            raise FailedPrecondition(NOT_WITH_AGENT, "No agent has claimed the conversation.")
        self._require_assignee(actor)
        if not target_agent:
            self._queue(HandoffReason.TRANSFER, at)
            return
        if target_agent == actor:
            raise FailedPrecondition(
                TRANSFER_TO_SELF, "The conversation is already with this agent."
            )
        self.assignee = target_agent
        self.assignee_display_name = shown_name
        self.handoff_reason = HandoffReason.TRANSFER
        self.handoff_time = at
        self._changed(at)
        self._record_handoff(at)

    def close(self, by: str, at: datetime) -> None:
        """Closed by the customer, the assignee, or the system (``by`` empty)."""
        self._require_open()
        if is_agent(by):
            self._require_assignee(by)
        elif by and by != self.customer:
            raise PermissionDenied(NOT_PARTICIPANT, "Only a participant closes the conversation.")
        self.state = ConversationState.CLOSED
        self.closer = by
        self.close_time = at
        self._changed(at)
        self.events.append(ConversationClosed(conversation=self.name, closer=by, close_time=at))

    # ------------------------------------------------------------------ for the repository

    def pull_events(self) -> list[ChatEvent]:
        """The events recorded since the last call (for the outbox)."""
        events, self.events = self.events, []
        return events

    def pull_messages(self) -> list[Message]:
        """The messages posted since the last call (to store)."""
        messages, self.new_messages = self.new_messages, []
        return messages

    # ------------------------------------------------------------------ helpers

    def _post(
        self,
        sender_type: SenderType,
        *,
        sender: str,
        display_name: str,
        text: str,
        language_code: str,
        at: datetime,
        intent: str = "",
        confidence: float = 0.0,
        links: tuple[MessageLink, ...] = (),
    ) -> Message:
        message = Message(
            conversation_id=self.id,
            sequence=self.last_sequence + 1,
            sender_type=sender_type,
            sender=sender,
            sender_display_name=display_name,
            text=text,
            language_code=language_code,
            create_time=at,
            intent=intent,
            confidence=confidence,
            links=links,
        )
        self.last_sequence = message.sequence
        self.last_message_text = text
        self.new_messages.append(message)
        self._changed(at)
        self.events.append(
            MessagePosted(
                conversation=self.name,
                message=message.name,
                sender_type=sender_type,
                sender=sender,
                sender_display_name=display_name,
                text=text,
                intent=intent,
                links=links,
                post_time=at,
            )
        )
        return message

    def _queue(self, reason: HandoffReason, at: datetime) -> None:
        self.state = ConversationState.QUEUED
        self.assignee = ""
        self.assignee_display_name = ""
        self.handoff_reason = reason
        self.handoff_time = at
        self._changed(at)
        self._record_handoff(at)

    def _record_handoff(self, at: datetime) -> None:
        assert self.handoff_reason is not None
        self.events.append(
            ConversationHandedOff(
                conversation=self.name,
                reason=self.handoff_reason,
                assignee=self.assignee,
                language_code=self.language_code,
                handoff_time=at,
            )
        )

    def _language(self, language_code: str) -> str:
        if not language_code:
            return self.language_code
        if language_code not in LANGUAGES:
            Violations().add("language_code", "must be fi, sv or en").raise_if_any()
        return language_code

    def _require_open(self) -> None:
        if self.state is ConversationState.CLOSED:
            raise FailedPrecondition(CONVERSATION_CLOSED, "The conversation is closed.")

    def _require_assignee(self, agent: str) -> None:
        if agent != self.assignee:
            raise PermissionDenied(
                NOT_ASSIGNEE, "Only the agent handling the conversation can do this."
            )

    def _changed(self, at: datetime) -> None:
        self.version += 1
        self.update_time = at


def _require_agent(party: str, field_name: str) -> None:
    if not is_agent(party):
        Violations().add(field_name, "must be staffUsers/{user}").raise_if_any()


def _clean_display_name(raw: str, field_name: str) -> str:
    """A name shown to the customer: one line, trimmed, not empty, not too long."""
    name = " ".join(raw.split())
    violations = Violations()
    if not name:
        violations.add(field_name, "must not be empty")
    elif len(name) > MAX_DISPLAY_NAME_LENGTH:
        violations.add(field_name, f"must be at most {MAX_DISPLAY_NAME_LENGTH} characters")
    elif any(not char.isprintable() for char in name):
        violations.add(field_name, "must not contain control characters")
    violations.raise_if_any()
    return name
