"""Domain objects → ``ropo.chat.v1`` messages, and the stored responses of mutating calls.

Customers leave the service only as ``persons/{key}`` or ``visitors/{id}``; message texts
only as stored (a typed henkilötunnus already masked).
"""

from __future__ import annotations

from collections.abc import Sequence

from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import conversation_pb2, message_pb2

from ropo_chat.adapters import wire
from ropo_chat.domain.conversation import Conversation, Message
from ropo_chat.service_layer.agents import CLAIM, CLOSE, TRANSFER

_CHANGED_RESPONSES = {
    CLAIM: pb.ClaimConversationResponse,
    TRANSFER: pb.TransferConversationResponse,
    CLOSE: pb.CloseConversationResponse,
}


def conversation_to_proto(conversation: Conversation) -> conversation_pb2.Conversation:
    message = conversation_pb2.Conversation(
        name=conversation.name,
        state=wire.STATES[conversation.state],
        customer=conversation.customer,
        language_code=conversation.language_code,
        invoice=conversation.invoice,
        assignee=conversation.assignee,
        assignee_display_name=conversation.assignee_display_name,
        handoff_reason=wire.handoff_reason(conversation.handoff_reason),
        last_message_text=conversation.last_message_text,
        create_time=wire.timestamp(conversation.create_time),
        update_time=wire.timestamp(conversation.update_time),
    )
    if conversation.handoff_time is not None:
        message.handoff_time.CopyFrom(wire.timestamp(conversation.handoff_time))
    if conversation.close_time is not None:
        message.close_time.CopyFrom(wire.timestamp(conversation.close_time))
    return message


def message_to_proto(message: Message) -> message_pb2.Message:
    return message_pb2.Message(
        name=message.name,
        sender_type=wire.SENDER_TYPES[message.sender_type],
        sender=message.sender,
        sender_display_name=message.sender_display_name,
        text=message.text,
        intent=wire.intent(message.intent),
        confidence=message.confidence,
        links=wire.links(message.links),
        language_code=message.language_code,
        create_time=wire.timestamp(message.create_time),
    )


class ProtoResponses:
    """``Responses`` as the serialized gRPC responses."""

    def started(self, conversation: Conversation, messages: Sequence[Message]) -> bytes:
        return pb.StartConversationResponse(
            conversation=conversation_to_proto(conversation),
            messages=[message_to_proto(message) for message in messages],
        ).SerializeToString()

    def posted(
        self, message: Message, replies: Sequence[Message], conversation: Conversation
    ) -> bytes:
        return pb.PostMessageResponse(
            message=message_to_proto(message),
            replies=[message_to_proto(reply) for reply in replies],
            conversation=conversation_to_proto(conversation),
        ).SerializeToString()

    def changed(self, method: str, conversation: Conversation) -> bytes:
        response = _CHANGED_RESPONSES[method](conversation=conversation_to_proto(conversation))
        return response.SerializeToString()
