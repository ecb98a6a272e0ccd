"""The gRPC servicer of ``ropo.chat.v1.ChatService``.

Thin: validate, call a use case, map the result. Domain errors are raised, not handled:
the platform interceptor turns them into ``google.rpc.Status`` with ``ErrorInfo``
(domain ``chat.ropo``), ``BadRequest`` and, for the rate limit, ``RetryInfo``. Mutating
calls answer with the response the use case stored for replay, so a retry gets the same
bytes. Access control is the caller's (the gateway's): it lets a customer see only their
own conversations and staff the queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import chat_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import error_domain

from ropo_chat.entrypoints import validation
from ropo_chat.entrypoints.proto_mapping import conversation_to_proto, message_to_proto
from ropo_chat.service_layer.handlers import ChatHandlers
from ropo_chat.service_layer.reading import ConversationPage

SERVICE = pb.DESCRIPTOR.services_by_name["ChatService"]
DOMAIN = error_domain("chat")

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class ChatServicer(pb_grpc.ChatServiceServicer):
    """Implements every method of ``ChatService``."""

    def __init__(self, handlers: ChatHandlers) -> None:
        self._handlers = handlers

    # ------------------------------------------------------------------ customers and the bot

    async def StartConversation(
        self, request: pb.StartConversationRequest, context: Context
    ) -> pb.StartConversationResponse:
        command = validation.start_request(request)
        return pb.StartConversationResponse.FromString(
            await self._handlers.customers.start(command)
        )

    async def PostMessage(
        self, request: pb.PostMessageRequest, context: Context
    ) -> pb.PostMessageResponse:
        command = validation.post_request(request)
        return pb.PostMessageResponse.FromString(await self._handlers.customers.post(command))

    # ------------------------------------------------------------------ agents

    async def ClaimConversation(
        self, request: pb.ClaimConversationRequest, context: Context
    ) -> pb.ClaimConversationResponse:
        command = validation.claim_request(request)
        return pb.ClaimConversationResponse.FromString(await self._handlers.agents.claim(command))

    async def TransferConversation(
        self, request: pb.TransferConversationRequest, context: Context
    ) -> pb.TransferConversationResponse:
        command = validation.transfer_request(request)
        return pb.TransferConversationResponse.FromString(
            await self._handlers.agents.transfer(command)
        )

    async def CloseConversation(
        self, request: pb.CloseConversationRequest, context: Context
    ) -> pb.CloseConversationResponse:
        command = validation.close_request(request)
        return pb.CloseConversationResponse.FromString(await self._handlers.agents.close(command))

    # ------------------------------------------------------------------ reads

    async def GetConversation(
        self, request: pb.GetConversationRequest, context: Context
    ) -> pb.GetConversationResponse:
        conversation = await self._handlers.reader.get(validation.get_request(request))
        return pb.GetConversationResponse(conversation=conversation_to_proto(conversation))

    async def ListQueue(
        self, request: pb.ListQueueRequest, context: Context
    ) -> pb.ListQueueResponse:
        validation.list_queue_request(request)
        page = await self._handlers.reader.queue(
            request.language_code, request.page_size, request.page_token
        )
        return pb.ListQueueResponse(**_page_fields(page))

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: Context
    ) -> pb.ListConversationsResponse:
        where = validation.list_conversations_request(request)
        page = await self._handlers.reader.conversations(
            where, request.page_size, request.page_token
        )
        return pb.ListConversationsResponse(**_page_fields(page))

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Context
    ) -> pb.ListMessagesResponse:
        conversation_id = validation.list_messages_request(request)
        page = await self._handlers.reader.messages(
            conversation_id, request.page_size, request.page_token
        )
        return pb.ListMessagesResponse(
            messages=[message_to_proto(message) for message in page.messages],
            next_page_token=page.next_page_token,
        )

    # ------------------------------------------------------------------ live

    async def WatchConversation(
        self, request: pb.WatchConversationRequest, context: Context
    ) -> AsyncIterator[pb.WatchConversationResponse]:
        conversation_id, after = validation.watch_request(request)
        async for update in self._handlers.watcher.watch(conversation_id, after):
            if update.message is not None:
                yield pb.WatchConversationResponse(message=message_to_proto(update.message))
            elif update.conversation is not None:
                yield pb.WatchConversationResponse(
                    conversation=conversation_to_proto(update.conversation)
                )


def _page_fields(page: ConversationPage) -> dict[str, Any]:
    return {
        "conversations": [conversation_to_proto(item) for item in page.conversations],
        "next_page_token": page.next_page_token,
    }
