"""The conversation aggregate: every operation from every state, allowed or refused, who
may do it, message numbering, the domain events and version/etag."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
from ropo_chat.domain.conversation import (
    BOT_DISPLAY_NAMES,
    Conversation,
    ConversationClosed,
    ConversationHandedOff,
    ConversationStarted,
    ConversationState,
    HandoffReason,
    Message,
    MessageLink,
    MessagePosted,
    SenderType,
    message_name,
    parse_message_name,
)
from ropo_platform.errors import (
    DomainError,
    FailedPrecondition,
    PermissionDenied,
    ValidationFailed,
)

S = ConversationState
STARTED = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
AT = STARTED + timedelta(minutes=5)
CUSTOMER = "persons/p-4f1c"
VISITOR = "visitors/v-93a0"
OTHER_PERSON = "persons/p-other"
AGENT = "staffUsers/anna"
AGENT_2 = "staffUsers/bertil"
CONVERSATION_ID = "c-0001"


class FakeIntent(StrEnum):
    """Stands in for the bot's Intent: the aggregate takes any StrEnum value."""

    CONTACT_HUMAN = "contact_human"
    PAY_INVOICE = "pay_invoice"


def started(customer: str = CUSTOMER, language_code: str = "fi") -> Conversation:
    return Conversation.start(
        CONVERSATION_ID,
        customer=customer,
        language_code=language_code,
        invoice="invoices/inv-77",
        at=STARTED,
    )


def conversation_in(state: ConversationState) -> Conversation:
    """A conversation brought to ``state`` through the allowed transitions."""
    conversation = started()
    conversation.post_customer_message(CUSTOMER, "Haluan puhua ihmiselle", AT)
    conversation.post_bot_message(FakeIntent.CONTACT_HUMAN, 0.93, "Välitän asiakaspalveluun.", AT)
    if state is S.BOT:
        return conversation
    if state is S.CLOSED:
        conversation.close(CUSTOMER, AT)
        return conversation
    conversation.hand_off(HandoffReason.CUSTOMER_REQUEST, AT)
    if state is S.QUEUED:
        return conversation
    conversation.claim(AGENT, "Anna", AT)
    return conversation


Operation = Callable[[Conversation], object]
OPERATIONS: dict[str, Operation] = {
    "customer_message": lambda c: c.post_customer_message(CUSTOMER, "Hei?", AT),
    "bot_message": lambda c: c.post_bot_message("greeting", 0.8, "Hei!", AT),
    "system_message": lambda c: c.post_system_message("Anna liittyi keskusteluun.", AT),
    "hand_off": lambda c: c.hand_off(HandoffReason.LOW_CONFIDENCE, AT),
    "claim": lambda c: c.claim(AGENT_2, "Bertil", AT),
    "agent_message": lambda c: c.post_agent_message(AGENT, "Hei, olen Anna.", AT),
    "transfer_to_queue": lambda c: c.transfer(AGENT, AT),
    "transfer_to_agent": lambda c: c.transfer(
        AGENT, AT, target_agent=AGENT_2, target_display_name="Bertil"
    ),
    "close_by_customer": lambda c: c.close(CUSTOMER, AT),
    "close_by_assignee": lambda c: c.close(AGENT, AT),
    "close_by_system": lambda c: c.close("", AT),
}

CLOSED = "CHAT_CONVERSATION_CLOSED"
BOT_NOT_ANSWERING = "CHAT_BOT_NOT_ANSWERING"
ALREADY_HANDED_OFF = "CHAT_ALREADY_HANDED_OFF"
NOT_QUEUED = "CHAT_CONVERSATION_NOT_QUEUED"
ALREADY_CLAIMED = "CHAT_CONVERSATION_ALREADY_CLAIMED"
NOT_WITH_AGENT = "CHAT_CONVERSATION_NOT_WITH_AGENT"
NOT_ASSIGNEE = "CHAT_NOT_ASSIGNEE"

# operation -> {state: resulting state, or the refusal's reason}
EXPECTED: dict[str, dict[ConversationState, ConversationState | str]] = {
    "customer_message": {S.BOT: S.BOT, S.QUEUED: S.QUEUED, S.WITH_AGENT: S.WITH_AGENT},
    "bot_message": {S.BOT: S.BOT, S.QUEUED: BOT_NOT_ANSWERING, S.WITH_AGENT: BOT_NOT_ANSWERING},
    "system_message": {S.BOT: S.BOT, S.QUEUED: S.QUEUED, S.WITH_AGENT: S.WITH_AGENT},
    "hand_off": {S.BOT: S.QUEUED, S.QUEUED: ALREADY_HANDED_OFF, S.WITH_AGENT: ALREADY_HANDED_OFF},
    "claim": {S.BOT: NOT_QUEUED, S.QUEUED: S.WITH_AGENT, S.WITH_AGENT: ALREADY_CLAIMED},
    "agent_message": {S.BOT: NOT_WITH_AGENT, S.QUEUED: NOT_WITH_AGENT, S.WITH_AGENT: S.WITH_AGENT},
    "transfer_to_queue": {S.BOT: NOT_WITH_AGENT, S.QUEUED: NOT_WITH_AGENT, S.WITH_AGENT: S.QUEUED},
    "transfer_to_agent": {
        S.BOT: NOT_WITH_AGENT,
        S.QUEUED: NOT_WITH_AGENT,
        S.WITH_AGENT: S.WITH_AGENT,
    },
    "close_by_customer": {S.BOT: S.CLOSED, S.QUEUED: S.CLOSED, S.WITH_AGENT: S.CLOSED},
    "close_by_assignee": {S.BOT: NOT_ASSIGNEE, S.QUEUED: NOT_ASSIGNEE, S.WITH_AGENT: S.CLOSED},
    "close_by_system": {S.BOT: S.CLOSED, S.QUEUED: S.CLOSED, S.WITH_AGENT: S.CLOSED},
}
for outcomes in EXPECTED.values():
    outcomes[S.CLOSED] = CLOSED  # nothing happens to a closed conversation

PERMISSION_REASONS = frozenset({NOT_ASSIGNEE})

CASES = [
    pytest.param(operation, state, outcome, id=f"{operation}-{state.value}")
    for operation, outcomes in EXPECTED.items()
    for state, outcome in outcomes.items()
]


def test_the_table_covers_every_operation_from_every_state() -> None:
    assert set(EXPECTED) == set(OPERATIONS)
    assert all(set(outcomes) == set(ConversationState) for outcomes in EXPECTED.values())


@pytest.mark.parametrize(("operation", "state", "outcome"), CASES)
def test_transition(
    operation: str, state: ConversationState, outcome: ConversationState | str
) -> None:
    conversation = conversation_in(state)
    assert conversation.state is state
    before = copy.deepcopy(conversation)
    if isinstance(outcome, ConversationState):
        OPERATIONS[operation](conversation)
        assert conversation.state is outcome
        assert conversation.version == before.version + 1
        assert conversation.etag != before.etag
        assert conversation.update_time == AT
        return
    expected_error = PermissionDenied if outcome in PERMISSION_REASONS else FailedPrecondition
    with pytest.raises(DomainError) as refused:
        OPERATIONS[operation](conversation)
    assert type(refused.value) is expected_error
    assert refused.value.reason == outcome
    # A refusal changes nothing: no state, version, message or event.
    assert conversation == before
    assert conversation.events == before.events
    assert conversation.new_messages == before.new_messages


# ---------------------------------------------------------------------- who may act


NOT_CUSTOMER = "CHAT_NOT_CONVERSATION_CUSTOMER"
NOT_PARTICIPANT = "CHAT_NOT_PARTICIPANT"
# name -> (state, operation, refusal's reason, error type)
INTRUDERS: dict[str, tuple[ConversationState, Operation, str, type[DomainError]]] = {
    "another person writes as the customer": (
        S.BOT,
        lambda c: c.post_customer_message(OTHER_PERSON, "Hei", AT),
        NOT_CUSTOMER,
        PermissionDenied,
    ),
    "an agent writes as the customer": (
        S.WITH_AGENT,
        lambda c: c.post_customer_message(AGENT, "Hei", AT),
        NOT_CUSTOMER,
        PermissionDenied,
    ),
    "another agent writes": (
        S.WITH_AGENT,
        lambda c: c.post_agent_message(AGENT_2, "Hei", AT),
        NOT_ASSIGNEE,
        PermissionDenied,
    ),
    "the customer writes as the agent": (
        S.WITH_AGENT,
        lambda c: c.post_agent_message(CUSTOMER, "Hei", AT),
        NOT_ASSIGNEE,
        PermissionDenied,
    ),
    "another agent transfers": (
        S.WITH_AGENT,
        lambda c: c.transfer(AGENT_2, AT),
        NOT_ASSIGNEE,
        PermissionDenied,
    ),
    "the assignee transfers to itself": (
        S.WITH_AGENT,
        lambda c: c.transfer(AGENT, AT, target_agent=AGENT, target_display_name="Anna"),
        "CHAT_TRANSFER_TO_SELF",
        FailedPrecondition,
    ),
    "another agent closes": (
        S.WITH_AGENT,
        lambda c: c.close(AGENT_2, AT),
        NOT_ASSIGNEE,
        PermissionDenied,
    ),
    "another person closes": (
        S.BOT,
        lambda c: c.close(OTHER_PERSON, AT),
        NOT_PARTICIPANT,
        PermissionDenied,
    ),
    "a visitor closes a person's conversation": (
        S.WITH_AGENT,
        lambda c: c.close(VISITOR, AT),
        NOT_PARTICIPANT,
        PermissionDenied,
    ),
}


@pytest.mark.parametrize(
    ("state", "operation", "reason", "error"),
    [pytest.param(*case, id=name) for name, case in INTRUDERS.items()],
)
def test_only_participants_act(
    state: ConversationState, operation: Operation, reason: str, error: type[DomainError]
) -> None:
    conversation = conversation_in(state)
    before = copy.deepcopy(conversation)
    with pytest.raises(error) as refused:
        operation(conversation)
    assert refused.value.reason == reason
    assert conversation == before


def test_an_anonymous_visitor_chats_and_closes() -> None:
    conversation = started(customer=VISITOR)
    message = conversation.post_customer_message(VISITOR, "Miten maksan laskun?", AT)
    assert message.sender == VISITOR
    assert message.sender_type is SenderType.CUSTOMER
    conversation.close(VISITOR, AT)
    assert conversation.closer == VISITOR


@pytest.mark.parametrize(
    ("customer", "language_code", "invoice", "fields"),
    [
        ("staffUsers/anna", "fi", "", ["customer"]),
        ("persons/", "fi", "", ["customer"]),
        ("persons/a/b", "fi", "", ["customer"]),
        ("", "fi", "", ["customer"]),
        (CUSTOMER, "de", "", ["language_code"]),
        (CUSTOMER, "fi", "inv-77", ["invoice"]),
        ("visitor", "", "payments/1", ["customer", "language_code", "invoice"]),
    ],
)
def test_start_refuses_malformed_fields(
    customer: str, language_code: str, invoice: str, fields: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        Conversation.start(
            "c-1", customer=customer, language_code=language_code, invoice=invoice, at=AT
        )
    assert [violation.field for violation in refused.value.violations] == fields


@pytest.mark.parametrize(
    ("operation", "field"),
    [
        (lambda c: c.claim("persons/p-1", "Anna", AT), "agent"),
        (lambda c: c.claim(AGENT, "  ", AT), "agent_display_name"),
        (lambda c: c.claim(AGENT, "A" * 101, AT), "agent_display_name"),
        (lambda c: c.claim(AGENT, "Anna\x00", AT), "agent_display_name"),
    ],
)
def test_claim_refuses_malformed_agents(operation: Operation, field: str) -> None:
    conversation = conversation_in(S.QUEUED)
    with pytest.raises(ValidationFailed) as refused:
        operation(conversation)
    assert [violation.field for violation in refused.value.violations] == [field]
    assert conversation.state is S.QUEUED


def test_transfer_refuses_a_target_that_is_no_agent() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    with pytest.raises(ValidationFailed) as refused:
        conversation.transfer(AGENT, AT, target_agent=VISITOR, target_display_name="X")
    assert refused.value.violations[0].field == "target_agent"
    assert conversation.assignee == AGENT


def test_hand_off_takes_only_the_bots_reasons() -> None:
    conversation = conversation_in(S.BOT)
    with pytest.raises(ValueError, match="transfer"):
        conversation.hand_off(HandoffReason.TRANSFER, AT)
    assert conversation.state is S.BOT


# ---------------------------------------------------------------------- hand-off, agents


@pytest.mark.parametrize("reason", [r for r in HandoffReason if r is not HandoffReason.TRANSFER])
def test_hand_off_queues_with_the_reason(reason: HandoffReason) -> None:
    conversation = conversation_in(S.BOT)
    conversation.pull_events()
    later = AT + timedelta(seconds=30)
    conversation.hand_off(reason, later)
    assert conversation.handoff_reason is reason
    assert conversation.handoff_time == later
    assert conversation.assignee == ""
    assert conversation.pull_events() == [
        ConversationHandedOff(
            conversation="conversations/c-0001",
            reason=reason,
            assignee="",
            language_code="fi",
            handoff_time=later,
        )
    ]


def test_claim_assigns_the_agent_without_an_event() -> None:
    conversation = conversation_in(S.QUEUED)
    conversation.pull_events()
    conversation.claim(AGENT_2, "  Bertil  ", AT)
    assert (conversation.assignee, conversation.assignee_display_name) == (AGENT_2, "Bertil")
    assert conversation.pull_events() == []


def test_transfer_back_to_the_queue() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    conversation.pull_events()
    later = AT + timedelta(minutes=3)
    conversation.transfer(AGENT, later)
    assert conversation.state is S.QUEUED
    assert (conversation.assignee, conversation.assignee_display_name) == ("", "")
    assert conversation.handoff_reason is HandoffReason.TRANSFER
    assert conversation.handoff_time == later
    assert conversation.pull_events() == [
        ConversationHandedOff("conversations/c-0001", HandoffReason.TRANSFER, "", "fi", later)
    ]
    # Back in the queue, any agent may claim it again.
    conversation.claim(AGENT_2, "Bertil", later)
    assert conversation.assignee == AGENT_2


def test_transfer_to_another_agent() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    conversation.pull_events()
    conversation.transfer(AGENT, AT, target_agent=AGENT_2, target_display_name="Bertil")
    assert conversation.state is S.WITH_AGENT
    assert (conversation.assignee, conversation.assignee_display_name) == (AGENT_2, "Bertil")
    assert conversation.handoff_reason is HandoffReason.TRANSFER
    assert conversation.pull_events() == [
        ConversationHandedOff("conversations/c-0001", HandoffReason.TRANSFER, AGENT_2, "fi", AT)
    ]
    # The previous assignee is out; the new one writes.
    with pytest.raises(PermissionDenied):
        conversation.post_agent_message(AGENT, "Vielä yksi asia", AT)
    message = conversation.post_agent_message(AGENT_2, "Hei, Bertil täällä.", AT)
    assert (message.sender, message.sender_display_name) == (AGENT_2, "Bertil")


@pytest.mark.parametrize(
    ("state", "closer"),
    [(S.BOT, CUSTOMER), (S.QUEUED, ""), (S.WITH_AGENT, AGENT), (S.WITH_AGENT, CUSTOMER)],
)
def test_close_records_the_closer(state: ConversationState, closer: str) -> None:
    conversation = conversation_in(state)
    assignee = conversation.assignee
    conversation.pull_events()
    conversation.close(closer, AT)
    assert (conversation.closer, conversation.close_time) == (closer, AT)
    assert conversation.is_closed
    # The agent who handled it stays on record, for the agent's transcripts.
    assert conversation.assignee == assignee
    assert conversation.pull_events() == [ConversationClosed("conversations/c-0001", closer, AT)]


# ---------------------------------------------------------------------- messages and events


def test_start_records_the_conversation() -> None:
    conversation = started(language_code="sv")
    assert conversation.state is S.BOT
    assert conversation.name == "conversations/c-0001"
    assert (conversation.version, conversation.last_sequence) == (1, 0)
    assert conversation.last_message_name == ""
    assert conversation.pull_events() == [
        ConversationStarted(
            conversation="conversations/c-0001",
            customer=CUSTOMER,
            language_code="sv",
            invoice="invoices/inv-77",
            start_time=STARTED,
        )
    ]
    assert conversation.pull_events() == []


def test_messages_are_numbered_in_posting_order() -> None:
    conversation = started()
    posted: list[Message] = []
    for index in range(6):
        posted.append(conversation.post_customer_message(CUSTOMER, f"viesti {index}", AT))
        posted.append(conversation.post_bot_message("unknown", 0.2, f"vastaus {index}", AT))
    assert [message.sequence for message in posted] == list(range(1, 13))
    names = [message.name for message in posted]
    assert names[0] == "conversations/c-0001/messages/0000000001"
    # Ids sort in posting order also past 9 (zero-padded).
    assert sorted(names) == names
    assert conversation.last_sequence == 12
    assert conversation.last_message_name == names[-1]
    assert conversation.last_message_text == "vastaus 5"
    assert conversation.pull_messages() == posted
    assert conversation.pull_messages() == []


def test_numbering_continues_after_a_reload() -> None:
    conversation = Conversation(
        id="c-9",
        customer=CUSTOMER,
        language_code="en",
        invoice="",
        create_time=STARTED,
        update_time=STARTED,
        state=S.WITH_AGENT,
        assignee=AGENT,
        assignee_display_name="Anna",
        last_sequence=41,
        version=57,
    )
    message = conversation.post_agent_message(AGENT, "Hello", AT)
    assert message.sequence == 42
    assert conversation.version == 58


def test_message_names_round_trip() -> None:
    name = message_name("c-0001", 42)
    assert parse_message_name(name) == ("c-0001", 42)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "conversations/c-1/messages/42",
        "conversations/c-1/messages/000000004x",
        "conversations//messages/0000000042",
        "conversations/c-1/messages/0000000042/more",
        "invoices/c-1/messages/0000000042",
    ],
)
def test_parse_message_name_refuses_other_names(name: str) -> None:
    assert parse_message_name(name) is None


def test_a_customer_message_is_cleaned_masked_and_announced() -> None:
    conversation = started()
    conversation.pull_events()
    message = conversation.post_customer_message(
        CUSTOMER, "  Hetuni on 131052-308T\r\n<b>kiitos</b>  ", AT, language_code="sv"
    )
    text = "Hetuni on 131052-****\n<b>kiitos</b>"
    assert message.text == text
    assert message.language_code == "sv"
    assert (message.intent, message.confidence, message.links) == ("", 0.0, ())
    assert conversation.last_message_text == text
    assert conversation.pull_events() == [
        MessagePosted(
            conversation="conversations/c-0001",
            message="conversations/c-0001/messages/0000000001",
            sender_type=SenderType.CUSTOMER,
            sender=CUSTOMER,
            sender_display_name="",
            text=text,
            intent="",
            links=(),
            post_time=AT,
        )
    ]


def test_an_invalid_customer_message_is_refused_without_a_trace() -> None:
    conversation = started()
    before = copy.deepcopy(conversation)
    with pytest.raises(ValidationFailed) as refused:
        conversation.post_customer_message(CUSTOMER, "x" * 2001, AT)
    assert refused.value.reason == "CHAT_MESSAGE_TOO_LONG"
    assert conversation == before
    assert conversation.new_messages == []


def test_a_bot_message_carries_intent_confidence_and_links() -> None:
    conversation = started(language_code="sv")
    links = [MessageLink("/laskut/inv-77/maksa", "Betala")]
    message = conversation.post_bot_message(
        FakeIntent.PAY_INVOICE, 0.87, "Du kan betala här.", AT, links=links
    )
    assert message.sender_type is SenderType.BOT
    assert (message.sender, message.sender_display_name) == ("", BOT_DISPLAY_NAMES["sv"])
    assert (message.intent, message.confidence) == ("pay_invoice", 0.87)
    assert type(message.intent) is str
    assert message.links == tuple(links)
    assert message.language_code == "sv"
    event = conversation.pull_events()[-1]
    assert isinstance(event, MessagePosted)
    assert (event.intent, event.links) == ("pay_invoice", tuple(links))


def test_the_bot_answers_in_the_language_it_detected() -> None:
    conversation = started(language_code="fi")
    message = conversation.post_bot_message("greeting", 0.9, "Hello!", AT, language_code="en")
    assert (message.language_code, message.sender_display_name) == ("en", "Ropo bot")


@pytest.mark.parametrize(
    "operation",
    [
        lambda c: c.post_bot_message("greeting", 1.01, "Hei", AT),
        lambda c: c.post_bot_message("greeting", -0.1, "Hei", AT),
        lambda c: c.post_bot_message("", 0.5, "Hei", AT),
        lambda c: c.post_bot_message("greeting", 0.5, " \n ", AT),
    ],
)
def test_a_malformed_bot_message_is_a_bug(operation: Operation) -> None:
    conversation = started()
    with pytest.raises(ValueError):
        operation(conversation)
    assert conversation.last_sequence == 0


def test_an_unknown_message_language_is_refused() -> None:
    conversation = started()
    with pytest.raises(ValidationFailed) as refused:
        conversation.post_customer_message(CUSTOMER, "Hej", AT, language_code="de")
    assert refused.value.violations[0].field == "language_code"


def test_agent_messages_are_signed_with_the_claimed_name_unless_given() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    signed = conversation.post_agent_message(AGENT, "Hei!", AT)
    renamed = conversation.post_agent_message(AGENT, "Hei taas!", AT, display_name="Anna K.")
    assert (signed.sender_type, signed.sender_display_name) == (SenderType.AGENT, "Anna")
    assert renamed.sender_display_name == "Anna K."
    assert signed.language_code == "fi"


def test_an_agent_typing_a_personal_identity_code_is_masked_too() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    message = conversation.post_agent_message(AGENT, "Onko tunnuksesi 010594Y9032?", AT)
    assert message.text == "Onko tunnuksesi 010594-****?"


def test_a_system_notice_is_a_message_of_its_own() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    message = conversation.post_system_message("Anna liittyi keskusteluun.", AT)
    assert (message.sender_type, message.sender, message.sender_display_name) == (
        SenderType.SYSTEM,
        "",
        "Ropo",
    )


# ---------------------------------------------------------------------- version and etag


def test_every_change_bumps_the_version_and_the_etag() -> None:
    conversation = started()
    seen = {conversation.etag}
    steps: list[Operation] = [
        lambda c: c.post_customer_message(CUSTOMER, "Ihminen kiitos", AT),
        lambda c: c.post_bot_message("contact_human", 0.95, "Hetki.", AT),
        lambda c: c.hand_off(HandoffReason.CUSTOMER_REQUEST, AT),
        lambda c: c.claim(AGENT, "Anna", AT),
        lambda c: c.post_agent_message(AGENT, "Hei!", AT),
        lambda c: c.transfer(AGENT, AT, target_agent=AGENT_2, target_display_name="Bertil"),
        lambda c: c.transfer(AGENT_2, AT),
        lambda c: c.claim(AGENT, "Anna", AT),
        lambda c: c.close(AGENT, AT),
    ]
    for number, step in enumerate(steps, start=2):
        step(conversation)
        assert conversation.version == number
        seen.add(conversation.etag)
    assert len(seen) == len(steps) + 1


def test_the_etag_depends_on_the_conversation_and_its_version_only() -> None:
    first, second = started(), started()
    assert first.etag == second.etag
    first.post_customer_message(CUSTOMER, "Hei", AT)
    assert first.etag != second.etag
    other = Conversation.start("c-0002", customer=CUSTOMER, language_code="fi", at=STARTED)
    assert other.etag != second.etag


def test_a_whole_conversation_emits_the_events_in_order() -> None:
    conversation = conversation_in(S.WITH_AGENT)
    conversation.close(AGENT, AT)
    kinds = [type(event).__name__ for event in conversation.pull_events()]
    assert kinds == [
        "ConversationStarted",
        "MessagePosted",
        "MessagePosted",
        "ConversationHandedOff",
        "ConversationClosed",
    ]
