"""WatchConversation over a real gRPC server: live delivery through a real nats-server
(the worker's outbox relay publishes, the serve side's subscription wakes the watcher),
resuming after a message, the closed state ending the stream, and delivery by polling the
database when NATS is unreachable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from chat_support import (
    AGENT,
    ALICE,
    Peers,
    RunningChat,
    call_error,
    chat_settings,
    claim,
    close,
    post,
    start,
    start_chat,
    stop_chat,
)
from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import conversation_pb2, message_pb2
from ropo_chat.bootstrap import bootstrap
from ropo_chat.entrypoints.worker import run_worker
from ropo_platform.testing import NatsServer, eventually

pytestmark = pytest.mark.postgres
State = conversation_pb2.Conversation
#: Long enough that only a NATS wake-up can deliver within the tests' 2 seconds.
NO_POLLING = 60.0


@pytest_asyncio.fixture
async def live(
    migrated_url: str, peers: Peers, nats_server: NatsServer
) -> AsyncIterator[RunningChat]:
    """The chat server and its worker on a real nats-server; the database is re-read only
    when NATS says so."""
    app = bootstrap(
        chat_settings(
            migrated_url,
            authorization_addr=peers.address,
            invoice_addr=peers.address,
            nats_url=nats_server.url,
            watch_heartbeat_seconds=NO_POLLING,
            watch_poll_seconds=NO_POLLING,
        )
    )
    worker_app = bootstrap(chat_settings(migrated_url, nats_url=nats_server.url))
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(worker_app, stop=stop, signals=()))
    running = await start_chat(app, peers)
    try:

        async def connected() -> bool:
            return app.live.connected

        await eventually(connected, bool, within=10)
        yield running
    finally:
        await stop_chat(running)
        stop.set()
        await asyncio.wait_for(worker, timeout=15)
        await worker_app.close()
        await app.close()


@pytest_asyncio.fixture
async def offline(migrated_url: str, peers: Peers) -> AsyncIterator[RunningChat]:
    """The chat server with NATS unreachable (and no worker): watchers poll every second."""
    app = bootstrap(
        chat_settings(
            migrated_url,
            authorization_addr=peers.address,
            invoice_addr=peers.address,
            watch_heartbeat_seconds=NO_POLLING,
        )
    )
    running = await start_chat(app, peers)
    try:
        yield running
    finally:
        await stop_chat(running)
        await app.close()


class Watch:
    """One WatchConversation call read in the background."""

    def __init__(self, running: RunningChat, conversation: str, after_message: str = "") -> None:
        self.call: Any = running.stub.WatchConversation(
            pb.WatchConversationRequest(conversation=conversation, after_message=after_message)
        )
        self.updates: asyncio.Queue[pb.WatchConversationResponse | None] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for update in self.call:
            await self.updates.put(update)
        await self.updates.put(None)  # the server ended the stream

    async def next(self, within: float = 5.0) -> pb.WatchConversationResponse | None:
        return await asyncio.wait_for(self.updates.get(), within)

    async def cancel(self) -> None:
        self.call.cancel()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def with_agent(running: RunningChat) -> tuple[str, list[message_pb2.Message]]:
    """A conversation an agent has claimed, and its transcript so far."""
    name = (await running.stub.StartConversation(start(ALICE))).conversation.name
    await running.stub.PostMessage(post(name, "Haluan puhua ihmisen kanssa", ALICE))
    await running.stub.ClaimConversation(claim(name, AGENT, "Anna"))
    listed = await running.stub.ListMessages(pb.ListMessagesRequest(conversation=name))
    return name, list(listed.messages)


async def live_watch(running: RunningChat, name: str, messages: list[message_pb2.Message]) -> Watch:
    """A watch known to be streaming: it resumes before the last message and has received
    it (so it subscribed before reading)."""
    watch = Watch(running, name, after_message=messages[-2].name)
    first = await watch.next()
    assert first is not None and first.message.name == messages[-1].name
    return watch


async def test_an_agent_message_reaches_a_watcher_through_nats_within_2_seconds(
    live: RunningChat,
) -> None:
    name, messages = await with_agent(live)
    watch = await live_watch(live, name, messages)
    try:
        loop = asyncio.get_running_loop()
        began = loop.time()
        posted = await live.stub.PostMessage(post(name, "Hei, olen Anna.", AGENT))
        update = await watch.next(within=2.0)
        assert loop.time() - began < 2.0
        assert update is not None and update.WhichOneof("update") == "message"
        assert update.message.name == posted.message.name
        assert (update.message.text, update.message.sender_display_name) == (
            "Hei, olen Anna.",
            "Anna",
        )
        customer = await live.stub.PostMessage(post(name, "Kiitos!", ALICE))
        update = await watch.next(within=2.0)
        assert update is not None and update.message.name == customer.message.name
    finally:
        await watch.cancel()


async def test_state_changes_are_streamed_and_closing_ends_the_stream(live: RunningChat) -> None:
    name = (await live.stub.StartConversation(start(ALICE))).conversation.name
    greeting = (await live.stub.ListMessages(pb.ListMessagesRequest(conversation=name))).messages
    await live.stub.PostMessage(post(name, "Miten maksan laskun?", ALICE))
    listed = await live.stub.ListMessages(pb.ListMessagesRequest(conversation=name))
    watch = await live_watch(live, name, [greeting[0], *listed.messages[1:]])
    try:
        await live.stub.PostMessage(post(name, "Haluan puhua ihmisen kanssa", ALICE))
        updates = [await watch.next(within=2.0) for _ in range(3)]
        # The customer's message, the bot's answer, then the state.
        kinds = [update.WhichOneof("update") if update else None for update in updates]
        assert kinds == ["message", "message", "conversation"]
        assert updates[2] is not None and updates[2].conversation.state == State.STATE_QUEUED

        await live.stub.ClaimConversation(claim(name, AGENT, "Anna"))
        joined = await watch.next(within=2.0)
        claimed = await watch.next(within=2.0)
        assert joined is not None and joined.message.sender_type == message_pb2.SENDER_TYPE_SYSTEM
        assert claimed is not None and claimed.conversation.state == State.STATE_WITH_AGENT
        assert claimed.conversation.assignee_display_name == "Anna"

        await live.stub.CloseConversation(close(name, ALICE))
        closed = await watch.next(within=2.0)
        assert closed is not None and closed.conversation.state == State.STATE_CLOSED
        assert await watch.next(within=2.0) is None  # the server ended the stream
    finally:
        await watch.cancel()


async def test_a_watch_resumes_after_a_message(live: RunningChat) -> None:
    name, messages = await with_agent(live)
    assert len(messages) == 4  # greeting, question, hand-off answer, agent joined
    watch = Watch(live, name, after_message=messages[0].name)
    try:
        replayed = [await watch.next() for _ in messages[1:]]
        assert [update.message.name for update in replayed if update] == [
            message.name for message in messages[1:]
        ]
        posted = await live.stub.PostMessage(post(name, "Hei!", AGENT))
        update = await watch.next(within=2.0)
        assert update is not None and update.message.name == posted.message.name
    finally:
        await watch.cancel()


async def test_a_closed_conversation_sends_its_state_and_ends(live: RunningChat) -> None:
    name, _ = await with_agent(live)
    await live.stub.CloseConversation(close(name, AGENT))
    watch = Watch(live, name)
    try:
        update = await watch.next()
        assert update is not None and update.conversation.state == State.STATE_CLOSED
        assert await watch.next() is None
    finally:
        await watch.cancel()


async def test_without_nats_a_watcher_is_served_by_polling(offline: RunningChat) -> None:
    assert not offline.app.live.connected
    name, messages = await with_agent(offline)
    watch = await live_watch(offline, name, messages)
    try:
        loop = asyncio.get_running_loop()
        began = loop.time()
        posted = await offline.stub.PostMessage(post(name, "Hei, olen Anna.", AGENT))
        update = await watch.next(within=3.0)
        assert loop.time() - began < 2.5  # one polling interval, not the heartbeat
        assert update is not None and update.message.name == posted.message.name
    finally:
        await watch.cancel()


async def test_watching_refuses_unknown_conversations_and_foreign_messages(
    offline: RunningChat,
) -> None:
    missing = "conversations/00000000-0000-4000-8000-000000000000"
    error = await call_error(_first(offline, missing, ""))
    assert error.reason == "CHAT_CONVERSATION_NOT_FOUND"
    name, _ = await with_agent(offline)
    other, messages = await with_agent(offline)
    error = await call_error(_first(offline, name, messages[0].name))
    assert [violation.field for violation in error.field_violations] == ["after_message"]
    assert other != name


async def _first(running: RunningChat, conversation: str, after: str) -> Any:
    call = running.stub.WatchConversation(
        pb.WatchConversationRequest(conversation=conversation, after_message=after)
    )
    async for update in call:
        return update
    return None
