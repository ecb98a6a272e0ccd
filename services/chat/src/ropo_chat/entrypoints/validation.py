"""Validation of ChatService requests: every problem of a request reported at once, as
``INVALID_ARGUMENT`` with ``BadRequest`` field violations. Descriptions say what is
expected and never echo the value (a mistyped customer or a message could be personal).

The text of a message and the display names are checked by the domain
(``domain.messages``, ``domain.conversation``), which gives them their own reasons.
"""

from __future__ import annotations

import uuid

from google.protobuf.message import Message
from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import conversation_pb2
from ropo_platform.db.request_log import request_fingerprint
from ropo_platform.errors import Violations

from ropo_chat.adapters.wire import STATES_FROM_PROTO
from ropo_chat.domain.conversation import (
    CONVERSATIONS,
    INVOICES,
    LANGUAGES,
    is_agent,
    is_customer,
    parse_message_name,
)
from ropo_chat.service_layer.agents import (
    CLAIM,
    CLOSE,
    TRANSFER,
    ClaimConversation,
    CloseConversation,
    TransferConversation,
)
from ropo_chat.service_layer.common import Mutation
from ropo_chat.service_layer.customers import POST, START, PostMessage, StartConversation
from ropo_chat.service_layer.ports import ConversationFilter

_CUSTOMER = "must be persons/{key} or visitors/{visitor}"
_AGENT = "must be staffUsers/{user}"
_LANGUAGE = "must be fi, sv or en"


def _mutation(violations: Violations, method: str, request: Message, request_id: str) -> Mutation:
    if not request_id:
        violations.add("request_id", "is required")
    else:
        try:
            valid = uuid.UUID(request_id).version == 4 and len(request_id) == 36
        except ValueError:
            valid = False
        if not valid:
            violations.add("request_id", "must be a UUID4")
    return Mutation(method, request_id.lower(), request_fingerprint(request))


def _uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def conversation_id(violations: Violations, name: str, field: str) -> str:
    """The id of ``conversations/{id}``; a violation on ``field`` otherwise."""
    if not name:
        violations.add(field, "is required")
        return ""
    candidate = name.removeprefix(CONVERSATIONS)
    if candidate == name or not _uuid(candidate):
        violations.add(field, "must be conversations/{conversation}")
        return ""
    return candidate


def _language(violations: Violations, value: str, *, required: bool) -> None:
    if not value:
        if required:
            violations.add("language_code", f"is required: {_LANGUAGE}")
        return
    if value not in LANGUAGES:
        violations.add("language_code", _LANGUAGE)


def _party(violations: Violations, field: str, value: str, *, agent: bool) -> None:
    if not value:
        violations.add(field, "is required")
    elif agent and not is_agent(value):
        violations.add(field, _AGENT)
    elif not agent and not is_customer(value):
        violations.add(field, _CUSTOMER)


def _customer_or_agent(violations: Violations, field: str, value: str) -> None:
    if not value:
        violations.add(field, "is required")
    elif not (is_customer(value) or is_agent(value)):
        violations.add(
            field, "must be the customer (persons/{key} or visitors/{visitor}) or staffUsers/{user}"
        )


# ------------------------------------------------------------------ mutating calls


def start_request(request: pb.StartConversationRequest) -> StartConversation:
    violations = Violations()
    mutation = _mutation(violations, START, request, request.request_id)
    _party(violations, "customer", request.customer, agent=False)
    _language(violations, request.language_code, required=True)
    if request.invoice:
        invoice_id = request.invoice.removeprefix(INVOICES)
        if invoice_id == request.invoice or not invoice_id or "/" in invoice_id:
            violations.add("invoice", "must be invoices/{invoice}")
    violations.raise_if_any()
    return StartConversation(mutation, request.customer, request.language_code, request.invoice)


def post_request(request: pb.PostMessageRequest) -> PostMessage:
    violations = Violations()
    mutation = _mutation(violations, POST, request, request.request_id)
    conversation = conversation_id(violations, request.conversation, "conversation")
    _customer_or_agent(violations, "sender", request.sender)
    _language(violations, request.language_code, required=False)
    violations.raise_if_any()
    return PostMessage(
        mutation,
        conversation,
        request.sender,
        request.text,
        sender_display_name=request.sender_display_name,
        language_code=request.language_code,
    )


def claim_request(request: pb.ClaimConversationRequest) -> ClaimConversation:
    violations = Violations()
    mutation = _mutation(violations, CLAIM, request, request.request_id)
    conversation = conversation_id(violations, request.conversation, "conversation")
    _party(violations, "agent", request.agent, agent=True)
    violations.raise_if_any()
    return ClaimConversation(mutation, conversation, request.agent, request.agent_display_name)


def transfer_request(request: pb.TransferConversationRequest) -> TransferConversation:
    violations = Violations()
    mutation = _mutation(violations, TRANSFER, request, request.request_id)
    conversation = conversation_id(violations, request.conversation, "conversation")
    _party(violations, "actor", request.actor, agent=True)
    if request.target_agent and not is_agent(request.target_agent):
        violations.add("target_agent", _AGENT)
    violations.raise_if_any()
    return TransferConversation(
        mutation,
        conversation,
        request.actor,
        request.target_agent,
        request.target_agent_display_name,
    )


def close_request(request: pb.CloseConversationRequest) -> CloseConversation:
    violations = Violations()
    mutation = _mutation(violations, CLOSE, request, request.request_id)
    conversation = conversation_id(violations, request.conversation, "conversation")
    _customer_or_agent(violations, "actor", request.actor)
    violations.raise_if_any()
    return CloseConversation(mutation, conversation, request.actor)


# ------------------------------------------------------------------ reads


def get_request(request: pb.GetConversationRequest) -> str:
    violations = Violations()
    found = conversation_id(violations, request.name, "name")
    violations.raise_if_any()
    return found


def list_messages_request(request: pb.ListMessagesRequest) -> str:
    violations = Violations()
    found = conversation_id(violations, request.conversation, "conversation")
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
    return found


def list_queue_request(request: pb.ListQueueRequest) -> None:
    violations = Violations()
    _language(violations, request.language_code, required=False)
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()


def list_conversations_request(request: pb.ListConversationsRequest) -> ConversationFilter:
    violations = Violations()
    if not request.customer and not request.assignee:
        violations.add("customer", "is required unless assignee is set")
    if request.customer and not is_customer(request.customer):
        violations.add("customer", _CUSTOMER)
    if request.assignee and not is_agent(request.assignee):
        violations.add("assignee", _AGENT)
    state = None
    if request.state != conversation_pb2.Conversation.STATE_UNSPECIFIED:
        state = STATES_FROM_PROTO.get(request.state)
        if state is None:
            violations.add("state", "is not a known state")
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
    return ConversationFilter(customer=request.customer, assignee=request.assignee, state=state)


def watch_request(request: pb.WatchConversationRequest) -> tuple[str, int | None]:
    """``(conversation id, sequence to resume after)``; ``None``: from now on."""
    violations = Violations()
    found = conversation_id(violations, request.conversation, "conversation")
    after: int | None = None
    if request.after_message:
        parsed = parse_message_name(request.after_message)
        if parsed is None or (found and parsed[0] != found):
            violations.add(
                "after_message",
                "must be a message of the conversation, "
                "conversations/{conversation}/messages/{message}",
            )
        else:
            after = parsed[1]
    violations.raise_if_any()
    return found, after
