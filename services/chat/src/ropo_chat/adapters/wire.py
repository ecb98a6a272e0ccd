"""Domain values ↔ ``ropo.chat.v1`` enums and timestamps, shared by the outbox and the
gRPC mapping."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf import timestamp_pb2
from ropo.chat.v1 import conversation_pb2, message_pb2

from ropo_chat.domain.conversation import (
    ConversationState,
    HandoffReason,
    MessageLink,
    SenderType,
)

Proto = conversation_pb2.Conversation

STATES = {
    ConversationState.BOT: Proto.STATE_BOT,
    ConversationState.QUEUED: Proto.STATE_QUEUED,
    ConversationState.WITH_AGENT: Proto.STATE_WITH_AGENT,
    ConversationState.CLOSED: Proto.STATE_CLOSED,
}
STATES_FROM_PROTO = {value: key for key, value in STATES.items()}
HANDOFF_REASONS = {
    HandoffReason.CUSTOMER_REQUEST: conversation_pb2.HANDOFF_REASON_CUSTOMER_REQUEST,
    HandoffReason.LOW_CONFIDENCE: conversation_pb2.HANDOFF_REASON_LOW_CONFIDENCE,
    HandoffReason.UNHELPFUL_ANSWERS: conversation_pb2.HANDOFF_REASON_UNHELPFUL_ANSWERS,
    HandoffReason.TRANSFER: conversation_pb2.HANDOFF_REASON_TRANSFER,
}
SENDER_TYPES = {
    SenderType.CUSTOMER: message_pb2.SENDER_TYPE_CUSTOMER,
    SenderType.BOT: message_pb2.SENDER_TYPE_BOT,
    SenderType.AGENT: message_pb2.SENDER_TYPE_AGENT,
    SenderType.SYSTEM: message_pb2.SENDER_TYPE_SYSTEM,
}


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf ``Timestamp`` of an aware datetime."""
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(value)
    return message


def handoff_reason(reason: HandoffReason | None) -> conversation_pb2.HandoffReason.ValueType:
    return HANDOFF_REASONS[reason] if reason else conversation_pb2.HANDOFF_REASON_UNSPECIFIED


def intent(value: str) -> message_pb2.Intent.ValueType:
    """The wire intent of a stored one (``due_date_extension`` → ``INTENT_DUE_DATE_EXTENSION``);
    unspecified for none or one the wire does not know."""
    if not value:
        return message_pb2.INTENT_UNSPECIFIED
    try:
        return message_pb2.Intent.Value(f"INTENT_{value.upper()}")
    except ValueError:
        return message_pb2.INTENT_UNSPECIFIED


def links(values: Sequence[MessageLink]) -> list[message_pb2.Link]:
    return [message_pb2.Link(path=link.path, label=link.label) for link in values]
