"""The chat use cases on in-memory fakes of their ports: the bot's reply and hand-off in
one transaction, facts only when the bot answers a person, the rate limit before any peer
is asked, idempotent replay, the retry after a lost race, reading pages, and the watcher's
polling and ordering."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest
from ropo_chat.domain.bot import InvoiceFact, PersonFacts
from ropo_chat.domain.conversation import (
    ChatEvent,
    Conversation,
    ConversationHandedOff,
    ConversationState,
    HandoffReason,
    Message,
    MessagePosted,
    SenderType,
)
from ropo_chat.domain.limits import MessageRateLimit, RateWindow
from ropo_chat.service_layer.agents import AgentDesk, ClaimConversation, CloseConversation
from ropo_chat.service_layer.common import Dependencies, Mutation
from ropo_chat.service_layer.customers import CustomerDesk, PostMessage, StartConversation
from ropo_chat.service_layer.ports import (
    ChatEventOutbox,
    Conflict,
    ConversationFilter,
    ConversationRepository,
    RequestIdReused,
    RequestLog,
    TimeCursor,
)
from ropo_chat.service_layer.reading import Reader
from ropo_chat.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_chat.service_layer.watching import Watcher
from ropo_platform.errors import Aborted, FailedPrecondition, ResourceExhausted, ValidationFailed
from ropo_platform.money import Money

NOW = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
ALICE = "persons/" + "a" * 32
VISITOR = "visitors/v-1"
AGENT = "staffUsers/anna"
INVOICE = InvoiceFact("inv-1", "A-1001", "Laskuttaja Oy", Money.eur("120.50"), date(2027, 2, 1))


# --------------------------------------------------------------------------- fakes


@dataclass
class Store:
    conversations: dict[str, Conversation] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    requests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)


class FakeConversations(ConversationRepository):
    def __init__(self, store: Store, stale_updates: list[int]) -> None:
        self._store = store
        self._stale_updates = stale_updates

    async def get(self, conversation_id: str) -> Conversation | None:
        return copy.deepcopy(self._store.conversations.get(conversation_id))

    async def add(self, conversation: Conversation) -> None:
        if conversation.id in self._store.conversations:
            raise Conflict("taken")
        self._store.messages.extend(conversation.pull_messages())
        self._store.conversations[conversation.id] = copy.deepcopy(conversation)

    async def update(self, conversation: Conversation, expected_version: int) -> bool:
        stored = self._store.conversations[conversation.id]
        if self._stale_updates and self._stale_updates[0] > 0:
            self._stale_updates[0] -= 1
            return False
        if stored.version != expected_version:
            return False
        self._store.messages.extend(conversation.pull_messages())
        self._store.conversations[conversation.id] = copy.deepcopy(conversation)
        return True

    async def queue(
        self, language_code: str, after: TimeCursor | None, limit: int
    ) -> Sequence[Conversation]:
        found = [
            c
            for c in self._store.conversations.values()
            if c.state is ConversationState.QUEUED
            and (not language_code or c.language_code == language_code)
        ]
        found.sort(key=lambda c: (c.handoff_time or NOW, c.id))
        if after is not None:
            found = [
                c for c in found if (c.handoff_time, c.id) > (after.time, after.conversation_id)
            ]
        return found[:limit]

    async def list(
        self, where: ConversationFilter, after: TimeCursor | None, limit: int
    ) -> Sequence[Conversation]:
        found = [
            c
            for c in self._store.conversations.values()
            if (not where.customer or c.customer == where.customer)
            and (not where.assignee or c.assignee == where.assignee)
            and (where.state is None or c.state is where.state)
        ]
        found.sort(key=lambda c: (c.update_time, c.id), reverse=True)  # newest first
        if after is not None:
            found = [
                c for c in found if (c.update_time, c.id) < (after.time, after.conversation_id)
            ]
        return found[:limit]

    async def messages(
        self, conversation_id: str, after_sequence: int, limit: int
    ) -> Sequence[Message]:
        found = [
            m
            for m in self._store.messages
            if m.conversation_id == conversation_id and m.sequence > after_sequence
        ]
        return sorted(found, key=lambda m: m.sequence)[:limit]

    async def bot_messages(self, conversation_id: str, limit: int) -> Sequence[Message]:
        found = [
            m
            for m in self._store.messages
            if m.conversation_id == conversation_id and m.sender_type is SenderType.BOT
        ]
        return found[-limit:]

    async def post_times(self, sender: str, since: datetime, limit: int) -> Sequence[datetime]:
        times = [m.create_time for m in self._store.messages if m.sender == sender]
        return sorted((t for t in times if t > since), reverse=True)[:limit]


class FakeRequests(RequestLog):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        stored = self._store.requests.get((method, request_id))
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise RequestIdReused(method)
        return stored[1]

    async def record(self, method: str, request_id: str, fingerprint: str, response: bytes) -> None:
        if (method, request_id) in self._store.requests:
            raise Conflict("taken")
        self._store.requests[(method, request_id)] = (fingerprint, response)


class FakeOutbox(ChatEventOutbox):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def publish(self, events: Sequence[ChatEvent]) -> None:
        self._store.events.extend(events)


class FakeUnitOfWork(AbstractUnitOfWork):
    """Works on a copy of the store; a commit publishes it, anything else discards it."""

    def __init__(self, world: World, read_only: bool) -> None:
        self._world = world
        self._read_only = read_only
        self._working: Store | None = None

    async def _begin(self) -> None:
        self._working = copy.deepcopy(self._world.store)
        self.conversations = FakeConversations(self._working, self._world.stale_updates)
        self.requests = FakeRequests(self._working)
        self.events = FakeOutbox(self._working)

    async def commit(self) -> None:
        assert not self._read_only and self._working is not None
        self._world.store = self._working
        self._working = None

    async def rollback(self) -> None:
        self._working = None


class FakeFacts:
    def __init__(self, facts: PersonFacts | None) -> None:
        self.facts = facts
        self.asked: list[str] = []

    async def facts_for(self, person: str, language_code: str) -> PersonFacts | None:
        self.asked.append(person)
        return self.facts


class Ids:
    def __init__(self) -> None:
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return f"00000000-0000-4000-8000-{self.count:012d}"


class RecordedResponses:
    """Each response is a key to what the use case answered (copied), for the tests to read
    back with ``answer``."""

    def __init__(self) -> None:
        self.answers: dict[bytes, Any] = {}

    def _keep(self, answer: Any) -> bytes:
        key = str(len(self.answers)).encode()
        self.answers[key] = copy.deepcopy(answer)
        return key

    def started(self, conversation: Conversation, messages: Sequence[Message]) -> bytes:
        return self._keep((conversation, list(messages)))

    def posted(
        self, message: Message, replies: Sequence[Message], conversation: Conversation
    ) -> bytes:
        return self._keep((message, list(replies), conversation))

    def changed(self, method: str, conversation: Conversation) -> bytes:
        return self._keep(conversation)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class World:
    store: Store = field(default_factory=Store)
    stale_updates: list[int] = field(default_factory=lambda: [0])
    facts: FakeFacts = field(default_factory=lambda: FakeFacts(PersonFacts((INVOICE,))))
    clock: Clock = field(default_factory=Clock)
    responses: RecordedResponses = field(default_factory=RecordedResponses)
    ids: Ids = field(default_factory=Ids)

    def answer(self, response: bytes) -> Any:
        return self.responses.answers[response]

    def uow(self, *, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(self, read_only)

    def deps(self) -> Dependencies:
        return Dependencies(self.uow, self.responses, self.ids, self.clock)

    def customers(self, rate_limit: MessageRateLimit | None = None) -> CustomerDesk:
        return CustomerDesk(self.deps(), self.facts, rate_limit=rate_limit)


def mutation(method: str, key: str = "", fingerprint: str = "f") -> Mutation:
    return Mutation(method, key or str(uuid.uuid4()), fingerprint)


async def start(world: World, customer: str = ALICE) -> Conversation:
    desk = world.customers()
    conversation, _ = world.answer(
        await desk.start(StartConversation(mutation("StartConversation"), customer, "fi"))
    )
    assert isinstance(conversation, Conversation)
    return conversation


async def say(
    world: World, conversation: Conversation, text: str, sender: str = ALICE, **kw: object
) -> tuple[Message, list[Message], Conversation]:
    desk = kw.pop("desk", None) or world.customers()
    assert isinstance(desk, CustomerDesk)
    command = PostMessage(mutation("PostMessage"), conversation.id, sender, text)
    result: tuple[Message, list[Message], Conversation] = world.answer(await desk.post(command))
    return result


# --------------------------------------------------------------------------- customers and bot


async def test_start_greets_with_the_persons_facts_and_records_events() -> None:
    world = World()
    desk = world.customers()
    conversation, [greeting] = world.answer(
        await desk.start(StartConversation(mutation("StartConversation"), ALICE, "fi"))
    )
    assert conversation.state is ConversationState.BOT
    assert greeting.intent == "greeting" and "yksi avoin lasku" in greeting.text
    assert world.facts.asked == [ALICE]
    assert [type(event).__name__ for event in world.store.events] == [
        "ConversationStarted",
        "MessagePosted",
    ]


async def test_a_visitor_is_answered_without_asking_for_facts() -> None:
    world = World()
    conversation = await start(world, VISITOR)
    _, [reply], _ = await say(world, conversation, "Miten maksan laskun?", VISITOR)
    assert reply.intent == "pay_invoice" and "A-1001" not in reply.text
    assert world.facts.asked == []


async def test_the_bot_answers_from_the_facts_and_hands_off_on_request() -> None:
    world = World()
    conversation = await start(world)
    message, [reply], after = await say(world, conversation, "Voinko siirtää eräpäivää?")
    assert message.sender_type is SenderType.CUSTOMER and message.language_code == "fi"
    assert reply.intent == "due_date_extension" and "A-1001" in reply.text
    assert after.state is ConversationState.BOT

    _, [notice], queued = await say(world, conversation, "Haluan puhua ihmisen kanssa")
    assert notice.intent == "contact_human"
    assert (queued.state, queued.handoff_reason) == (
        ConversationState.QUEUED,
        HandoffReason.CUSTOMER_REQUEST,
    )
    assert any(isinstance(event, ConversationHandedOff) for event in world.store.events)

    asked = len(world.facts.asked)
    _, replies, still = await say(world, conversation, "Odotan")
    assert replies == [] and still.state is ConversationState.QUEUED
    assert len(world.facts.asked) == asked  # nobody answers from facts while queued


async def test_a_typed_code_is_masked_before_the_bot_or_the_store_sees_it() -> None:
    world = World()
    conversation = await start(world)
    message, _, _ = await say(world, conversation, "Tunnukseni on 131052-308T")
    assert message.text == "Tunnukseni on 131052-****"
    posted = [event for event in world.store.events if isinstance(event, MessagePosted)]
    assert all("308T" not in event.text for event in posted)
    assert all("308T" not in stored.text for stored in world.store.messages)


async def test_the_rate_limit_refuses_before_any_peer_is_asked() -> None:
    world = World()
    desk = world.customers(MessageRateLimit((RateWindow(timedelta(minutes=1), 2),)))
    conversation = await start(world)
    for text in ("hei", "kiitos"):
        await say(world, conversation, text, desk=desk)
    asked = len(world.facts.asked)
    with pytest.raises(ResourceExhausted) as refused:
        await say(world, conversation, "vielä", desk=desk)
    assert refused.value.reason == "CHAT_MESSAGE_RATE_LIMITED"
    assert refused.value.retry_after_seconds and refused.value.retry_after_seconds > 0
    assert len(world.facts.asked) == asked


async def test_a_replayed_post_returns_the_stored_response_without_work() -> None:
    world = World()
    conversation = await start(world)
    desk = world.customers()
    command = PostMessage(mutation("PostMessage", "r-1"), conversation.id, ALICE, "hei")
    first = await desk.post(command)
    asked = len(world.facts.asked)
    assert await desk.post(command) == first
    assert len(world.facts.asked) == asked
    assert len([m for m in world.store.messages if m.sender == ALICE]) == 1
    with pytest.raises(ValidationFailed):
        await desk.post(
            PostMessage(mutation("PostMessage", "r-1", "other"), conversation.id, ALICE, "moi")
        )


async def test_a_lost_race_is_retried_and_too_many_abort() -> None:
    world = World()
    conversation = await start(world)
    world.stale_updates[0] = 2
    message, _, _ = await say(world, conversation, "hei")
    assert message.sequence == 2
    world.stale_updates[0] = 99
    with pytest.raises(Aborted):
        await say(world, conversation, "hei taas")


async def test_an_agent_claims_and_the_customer_sees_a_notice() -> None:
    world = World()
    conversation = await start(world)
    await say(world, conversation, "Haluan puhua ihmisen kanssa")
    agents = AgentDesk(world.deps())
    claimed = world.answer(
        await agents.claim(
            ClaimConversation(mutation("ClaimConversation"), conversation.id, AGENT, "Anna")
        )
    )
    assert claimed.state is ConversationState.WITH_AGENT
    assert world.store.messages[-1].sender_type is SenderType.SYSTEM
    assert "Anna" in world.store.messages[-1].text
    await agents.close(CloseConversation(mutation("CloseConversation"), conversation.id, AGENT))
    with pytest.raises(FailedPrecondition):
        await say(world, conversation, "hei")


async def test_the_queue_pages_with_tokens_bound_to_the_language() -> None:
    world = World()
    for _ in range(3):
        conversation = await start(world)
        await say(world, conversation, "Haluan puhua ihmisen kanssa")
    reader = Reader(world.deps())
    first = await reader.queue("", 2, "")
    rest = await reader.queue("", 2, first.next_page_token)
    assert len(first.conversations) == 2 and len(rest.conversations) == 1
    assert rest.next_page_token == ""
    with pytest.raises(ValidationFailed):
        await reader.queue("fi", 2, first.next_page_token)


# --------------------------------------------------------------------------- watching


class Subscription:
    def __init__(self, feed: Feed) -> None:
        self._feed = feed

    async def wait(self, within: float) -> bool:
        self._feed.waits.append(within)
        await asyncio.sleep(0)
        return False

    def close(self) -> None:
        self._feed.open -= 1

    def __enter__(self) -> Self:
        self._feed.open += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Feed:
    def __init__(self, connected: bool) -> None:
        self.connected = connected
        self.waits: list[float] = []
        self.open = 0

    def subscribe(self, conversation: str) -> Subscription:
        return Subscription(self)


async def test_a_watcher_polls_when_the_feed_is_down_and_stops_after_closing() -> None:
    world = World()
    conversation = await start(world)
    feed = Feed(connected=False)
    watcher = Watcher(world.uow, feed, heartbeat_seconds=15, poll_seconds=1)
    updates = watcher.watch(conversation.id, after_sequence=0)
    first = await anext(updates)
    assert first.message is not None and first.message.sequence == 1
    await AgentDesk(world.deps()).close(
        CloseConversation(mutation("CloseConversation"), conversation.id, ALICE)
    )
    closing = await anext(updates)
    assert closing.conversation is not None and closing.conversation.is_closed
    with pytest.raises(StopAsyncIteration):
        await anext(updates)
    assert feed.waits == [1]  # polled once, at the fallback interval
    assert feed.open == 0


async def test_a_connected_watcher_waits_for_the_heartbeat_between_reads() -> None:
    world = World()
    conversation = await start(world)
    feed = Feed(connected=True)
    watcher = Watcher(world.uow, feed, heartbeat_seconds=15, poll_seconds=1)
    updates = watcher.watch(conversation.id)
    task = asyncio.ensure_future(anext(updates))
    await asyncio.sleep(0.01)
    message, [reply], _ = await say(world, conversation, "Miten maksan laskun?")
    got = await asyncio.wait_for(task, 1)
    assert got.message is not None and got.message.sequence == message.sequence
    second = await anext(updates)
    assert second.message is not None and second.message.sequence == reply.sequence
    assert set(feed.waits) == {15}
    await updates.aclose()
    assert feed.open == 0
