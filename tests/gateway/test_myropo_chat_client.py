"""The gateway's chat client against a stand-in ``ChatService`` on loopback: the requests it
builds, how messages and conversations are mapped (states, senders, links, times), the
watch stream (no deadline; ``cancel`` ends the call on the server too) and how refusals come
back (reason, RetryInfo)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from google.protobuf.timestamp_pb2 import Timestamp
from ropo.chat.v1 import (
    chat_service_pb2,
    chat_service_pb2_grpc,
    conversation_pb2,
    message_pb2,
)
from ropo_gateway.clients.base import open_channel
from ropo_gateway.clients.chat import (
    ChatClient,
    ConversationState,
    ConversationView,
    HandoffReason,
    MessageView,
    SenderType,
)
from ropo_gateway.errors import UpstreamError
from ropo_platform.errors import ResourceExhausted
from ropo_platform.rpc.errors import abort_with_error

Context = Any
CONVERSATION = "conversations/0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
PERSON = "persons/" + "a" * 64


def conversation_message(state: int = conversation_pb2.Conversation.STATE_QUEUED) -> Any:
    return conversation_pb2.Conversation(
        name=CONVERSATION,
        state=state,  # type: ignore[arg-type]
        customer=PERSON,
        language_code="fi",
        assignee="",
        handoff_reason=conversation_pb2.HANDOFF_REASON_CUSTOMER_REQUEST,
        last_message_text="Haluan puhua ihmisen kanssa",
        create_time=Timestamp(seconds=1_740_826_800),
        handoff_time=Timestamp(seconds=1_740_830_400),
    )


def bot_message(number: int = 1) -> Any:
    return message_pb2.Message(
        name=f"{CONVERSATION}/messages/{number:010d}",
        sender_type=message_pb2.SENDER_TYPE_BOT,
        sender_display_name="Ropo-botti",
        text="Eräpäivää voi siirtää laskun sivulla.",
        intent=message_pb2.INTENT_DUE_DATE_EXTENSION,
        confidence=0.9,
        links=[message_pb2.Link(path="/laskut/x#maksuaika", label="Eräpäivän siirto")],
        language_code="fi",
        create_time=Timestamp(seconds=1_740_826_801),
    )


@dataclass
class StandIn(chat_service_pb2_grpc.ChatServiceServicer):
    requests: list[Any] = field(default_factory=list)
    deadlines: list[float | None] = field(default_factory=list)
    watch_ended: asyncio.Event = field(default_factory=asyncio.Event)

    async def StartConversation(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return chat_service_pb2.StartConversationResponse(
            conversation=conversation_message(conversation_pb2.Conversation.STATE_BOT),
            messages=[bot_message()],
        )

    async def PostMessage(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.text == "liian nopeasti":
            await abort_with_error(
                context,
                ResourceExhausted("CHAT_MESSAGE_RATE_LIMITED", retry_after_seconds=7),
                domain="chat.ropo",
            )
        return chat_service_pb2.PostMessageResponse(
            message=message_pb2.Message(
                name=f"{CONVERSATION}/messages/0000000002",
                sender_type=message_pb2.SENDER_TYPE_CUSTOMER,
                sender=request.sender,
                text=request.text,
            ),
            replies=[bot_message(3)],
            conversation=conversation_message(conversation_pb2.Conversation.STATE_BOT),
        )

    async def ListQueue(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return chat_service_pb2.ListQueueResponse(
            conversations=[conversation_message(), conversation_pb2.Conversation(state=99)],  # type: ignore[arg-type]
            next_page_token="n",
        )

    async def ListConversations(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return chat_service_pb2.ListConversationsResponse()

    async def ClaimConversation(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        claimed = conversation_message(conversation_pb2.Conversation.STATE_WITH_AGENT)
        claimed.assignee = request.agent
        claimed.assignee_display_name = request.agent_display_name
        return chat_service_pb2.ClaimConversationResponse(conversation=claimed)

    async def WatchConversation(self, request: Any, context: Context) -> AsyncIterator[Any]:
        self.requests.append(request)
        self.deadlines.append(context.time_remaining())
        try:
            yield chat_service_pb2.WatchConversationResponse(message=bot_message(2))
            yield chat_service_pb2.WatchConversationResponse(
                conversation=conversation_message(conversation_pb2.Conversation.STATE_WITH_AGENT)
            )
            await asyncio.sleep(30)
        finally:
            self.watch_ended.set()


@dataclass
class Running:
    client: ChatClient
    stand_in: StandIn


@pytest_asyncio.fixture
async def running() -> AsyncIterator[Running]:
    stand_in = StandIn()
    server = grpc.aio.server()
    chat_service_pb2_grpc.add_ChatServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    # The gateway's own channel: unary calls get its deadline, the watch stream none.
    channel = open_channel(f"127.0.0.1:{port}", 0.5)
    try:
        yield Running(ChatClient(channel, 5.0), stand_in)
    finally:
        await channel.close()
        await server.stop(grace=None)


async def test_start_and_post_map_messages_once_into_plain_values(running: Running) -> None:
    started = await running.client.start_conversation("r1", PERSON, "sv", "invoices/x")

    request = running.stand_in.requests[-1]
    assert (request.request_id, request.customer, request.language_code, request.invoice) == (
        "r1",
        PERSON,
        "sv",
        "invoices/x",
    )
    assert started.conversation.state is ConversationState.BOT
    assert started.conversation.id == "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    [greeting] = started.messages
    assert greeting.sender_type is SenderType.BOT
    assert [(link.path, link.label) for link in greeting.links] == [
        ("/laskut/x#maksuaika", "Eräpäivän siirto")
    ]
    assert greeting.create_time == datetime(2025, 3, 1, 11, 0, 1, tzinfo=UTC)
    assert greeting.conversation == CONVERSATION

    posted = await running.client.post_message(
        "r2", CONVERSATION, "staffUsers/aino", "Hei", "fi", "Aino"
    )

    request = running.stand_in.requests[-1]
    assert (request.sender, request.sender_display_name, request.text) == (
        "staffUsers/aino",
        "Aino",
        "Hei",
    )
    assert posted.message.text == "Hei" and posted.message.create_time is None
    assert [reply.name for reply in posted.replies] == [f"{CONVERSATION}/messages/0000000003"]


async def test_the_queue_maps_states_and_reasons_and_caps_the_page(running: Running) -> None:
    page = await running.client.list_queue(language_code="fi", page_size=5000, page_token="t")

    request = running.stand_in.requests[-1]
    assert (request.language_code, request.page_size, request.page_token) == ("fi", 1000, "t")
    first, unknown = page.conversations
    assert first.state is ConversationState.QUEUED and first.state.open
    assert first.handoff_reason is HandoffReason.CUSTOMER_REQUEST
    assert first.handoff_time == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert first.close_time is None
    assert unknown.state is ConversationState.UNSPECIFIED and not unknown.state.open
    assert page.next_page_token == "n"

    await running.client.list_conversations(
        assignee="staffUsers/aino", state=ConversationState.WITH_AGENT
    )
    listed = running.stand_in.requests[-1]
    assert listed.state == conversation_pb2.Conversation.STATE_WITH_AGENT
    assert (listed.assignee, listed.customer) == ("staffUsers/aino", "")


async def test_a_claim_names_the_agent(running: Running) -> None:
    claimed = await running.client.claim_conversation("r3", CONVERSATION, "staffUsers/aino", "Aino")

    assert claimed.state is ConversationState.WITH_AGENT
    assert (claimed.assignee, claimed.assignee_display_name) == ("staffUsers/aino", "Aino")


async def test_a_rate_limited_message_carries_its_retry_delay(running: Running) -> None:
    with pytest.raises(UpstreamError) as raised:
        await running.client.post_message("r4", CONVERSATION, PERSON, "liian nopeasti", "fi")

    error = raised.value.rpc_error
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.reason == "CHAT_MESSAGE_RATE_LIMITED" and error.retry_after_seconds == 7
    assert raised.value.peer == "chat"


async def test_the_watch_has_no_deadline_and_cancel_ends_it_on_the_server(
    running: Running,
) -> None:
    watch = running.client.watch_conversation(CONVERSATION, f"{CONVERSATION}/messages/0000000001")
    updates: list[MessageView | ConversationView] = []

    async for update in watch:
        updates.append(update)
        if len(updates) == 2:
            break
    watch.cancel()

    request = running.stand_in.requests[-1]
    assert request.after_message == f"{CONVERSATION}/messages/0000000001"
    assert running.stand_in.deadlines == [None]
    assert isinstance(updates[0], MessageView) and updates[0].name.endswith("0000000002")
    assert isinstance(updates[1], ConversationView)
    assert updates[1].state is ConversationState.WITH_AGENT
    await asyncio.wait_for(running.stand_in.watch_ended.wait(), timeout=5)
