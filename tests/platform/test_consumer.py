"""The consumer loop: inbox, ack after commit, retries, dead letters, tracing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from ropo_platform.db import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.messaging import (
    ConsumerSettings,
    Envelope,
    EventConsumer,
    OutboxRelay,
    Outcome,
    PermanentError,
    add_event,
    ensure_consumer,
    ensure_stream,
)
from ropo_platform.messaging.envelope import cloudevent_headers
from ropo_platform.messaging.inbox import record_processed
from ropo_platform.testing import eventually
from sqlalchemy.ext.asyncio import AsyncSession

EVENT = "ropo.invoice.v1.invoice_registered"
STREAM = "ROPO_INVOICE"
DURABLE = "authorization-invoice-events"

effects_metadata = sa.MetaData()
effects = sa.Table(
    "test_effects",
    effects_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("invoice", sa.String(100), nullable=False),
)


@dataclass
class Behaviour:
    """What the test handler does, per invoice name."""

    transient_failures: dict[str, int] = field(default_factory=dict)
    permanent: set[str] = field(default_factory=set)
    seen: list[Envelope] = field(default_factory=list)

    async def handle(self, session: AsyncSession, event: Struct, envelope: Envelope) -> None:
        invoice = event.fields["invoice"].string_value
        self.seen.append(envelope)
        await session.execute(sa.insert(effects).values(invoice=invoice))
        if invoice in self.permanent:
            raise PermanentError("invoice data violates an invariant")
        if self.transient_failures.get(invoice, 0) > 0:
            self.transient_failures[invoice] -= 1
            raise ConnectionError("downstream briefly unavailable")


@dataclass
class Setup:
    db: Database
    js: JetStreamContext
    consumer: EventConsumer
    behaviour: Behaviour
    psub: JetStreamContext.PullSubscription

    async def publish(
        self, invoice: str, *, event_id: str | None = None, msg_id: str | None = None
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        headers = cloudevent_headers(
            event_id=event_id,
            event_type=EVENT,
            source="/ropo/invoice",
            subject=f"invoices/{invoice}",
            time=datetime.now(UTC),
        )
        if msg_id:
            headers["Nats-Msg-Id"] = msg_id
        payload = Struct()
        payload.update({"invoice": invoice})
        await self.js.publish(EVENT, payload.SerializeToString(), headers=headers)
        return event_id

    async def next(self, wait: float = 3.0) -> Msg:
        [msg] = await self.psub.fetch(1, timeout=wait)
        return msg

    async def effects(self) -> list[str]:
        async with self.db.session() as session:
            return list((await session.execute(sa.select(effects.c.invoice))).scalars())

    async def consumer_state(self) -> tuple[int, int]:
        info = await self.js.consumer_info(STREAM, DURABLE)
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)


SETTINGS = ConsumerSettings(
    stream=STREAM,
    durable=DURABLE,
    ack_wait=2.0,
    max_deliver=3,
    nak_backoff=(0.1,),
    fetch_timeout=0.2,
    ack_timeout=2.0,
)


@pytest_asyncio.fixture
async def setup(messaging_database: Database, nats_client: Client) -> AsyncIterator[Setup]:
    async with messaging_database.engine.begin() as connection:
        await connection.run_sync(effects_metadata.create_all)
    js = nats_client.jetstream()
    await ensure_stream(js, name=STREAM, subjects=["ropo.invoice.>"])
    await ensure_consumer(
        js, stream=STREAM, durable=DURABLE, filter_subjects=[EVENT], ack_wait=2.0, max_deliver=3
    )
    behaviour = Behaviour()
    consumer = EventConsumer(messaging_database, nats_client, SETTINGS)
    consumer.on(EVENT, Struct, behaviour.handle)
    psub = await js.pull_subscribe_bind(durable=DURABLE, stream=STREAM)
    yield Setup(messaging_database, js, consumer, behaviour, psub)
    await psub.unsubscribe()


async def dead_letters(db: Database) -> list[sa.Row[tuple[object, ...]]]:
    async with db.session() as session:
        return list(await session.execute(sa.select(DEFAULT_TABLES.dead_letter)))


async def test_event_is_applied_and_acknowledged(setup: Setup) -> None:
    event_id = await setup.publish("inv_1")
    assert await setup.consumer.process(await setup.next()) is Outcome.PROCESSED
    assert await setup.effects() == ["inv_1"]
    assert await setup.consumer_state() == (0, 0)
    [envelope] = setup.behaviour.seen
    assert (envelope.id, envelope.subject, envelope.num_delivered) == (
        event_id,
        "invoices/inv_1",
        1,
    )


async def test_redelivered_event_is_absorbed_by_the_inbox(setup: Setup) -> None:
    # The same event published twice past JetStream's de-duplication (e.g. after
    # the duplicate window): the inbox keys on ce-id.
    event_id = await setup.publish("inv_1", msg_id="first")
    await setup.publish("inv_1", event_id=event_id, msg_id="second")
    assert await setup.consumer.process(await setup.next()) is Outcome.PROCESSED
    assert await setup.consumer.process(await setup.next()) is Outcome.DUPLICATE
    assert await setup.effects() == ["inv_1"]
    assert await setup.consumer_state() == (0, 0)


async def test_transient_failure_is_retried_then_applied_once(setup: Setup) -> None:
    setup.behaviour.transient_failures["inv_1"] = 1
    await setup.publish("inv_1")
    assert await setup.consumer.process(await setup.next()) is Outcome.RETRY
    assert await setup.effects() == []  # the failed attempt's writes rolled back
    redelivered = await setup.next()
    assert redelivered.metadata.num_delivered == 2
    assert await setup.consumer.process(redelivered) is Outcome.PROCESSED
    assert await setup.effects() == ["inv_1"]


async def test_permanent_error_dead_letters_at_once(setup: Setup) -> None:
    setup.behaviour.permanent.add("inv_bad")
    event_id = await setup.publish("inv_bad")
    assert await setup.consumer.process(await setup.next()) is Outcome.DEAD_LETTERED
    [letter] = await dead_letters(setup.db)
    assert (letter.event_id, letter.num_delivered, letter.consumer) == (event_id, 1, DURABLE)
    assert letter.error.startswith("PermanentError")
    assert await setup.effects() == []
    assert await setup.consumer_state() == (0, 0)  # terminated, not pending


async def test_exhausted_retries_dead_letter_on_the_last_delivery(setup: Setup) -> None:
    setup.behaviour.transient_failures["inv_1"] = 99
    await setup.publish("inv_1")
    outcomes = [await setup.consumer.process(await setup.next()) for _ in range(3)]
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.DEAD_LETTERED]
    [letter] = await dead_letters(setup.db)
    assert letter.num_delivered == 3
    assert "ConnectionError" in letter.error
    with pytest.raises(asyncio.TimeoutError):
        await setup.next(wait=0.5)  # no fourth delivery


async def test_last_delivery_without_outcome_is_dead_lettered_from_the_advisory(
    setup: Setup, nats_client: Client
) -> None:
    # A consumer that crashed (or hung past ack_wait) on the final delivery never
    # wrote a dead letter itself; the server's MAX_DELIVERIES advisory does it.
    settings = replace(SETTINGS, max_deliver=1, ack_wait=1.0)
    consumer = EventConsumer(setup.db, nats_client, settings)
    consumer.on(EVENT, Struct, setup.behaviour.handle)
    await ensure_consumer(
        setup.js,
        stream=STREAM,
        durable=DURABLE,
        filter_subjects=[EVENT],
        ack_wait=1.0,
        max_deliver=1,
    )
    lost = await setup.publish("inv_lost")
    applied = await setup.publish("inv_applied")
    await setup.next()  # delivered, then the process "dies": no ack, nak or term
    applied_msg = await setup.next()
    async with setup.db.transaction() as session:
        # This one's effect had committed; only its ack was lost.
        await record_processed(session, DURABLE, Envelope.from_msg(applied_msg))

    task = asyncio.create_task(consumer.run())
    try:
        [letter] = await eventually(
            lambda: dead_letters(setup.db), lambda rows: len(rows) == 1, within=10
        )
        await asyncio.sleep(0.5)  # the other advisory has arrived by now too
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=3)
    assert [row.event_id for row in await dead_letters(setup.db)] == [lost]
    assert letter.error.startswith("MaxDeliveriesExceeded")
    assert letter.num_delivered == 1
    assert Struct.FromString(letter.payload).fields["invoice"].string_value == "inv_lost"
    assert applied != lost


async def test_undecodable_and_anonymous_messages_are_dead_lettered(setup: Setup) -> None:
    await setup.js.publish(EVENT, b"\xff\xff not protobuf", headers={"ce-id": "garbled"})
    await setup.js.publish(EVENT, b"", headers={"ce-type": EVENT})
    assert await setup.consumer.process(await setup.next()) is Outcome.DEAD_LETTERED
    assert await setup.consumer.process(await setup.next()) is Outcome.DEAD_LETTERED
    letters = {row.event_id: row.error for row in await dead_letters(setup.db)}
    assert letters["garbled"].startswith("DecodeError")
    assert letters[f"{STREAM}:2"].startswith("InvalidEnvelope")


async def test_run_loop_processes_until_stopped(setup: Setup) -> None:
    for n in range(5):
        await setup.publish(f"inv_{n}")
    task = asyncio.create_task(setup.consumer.run())
    try:
        await eventually(setup.effects, lambda rows: len(rows) == 5)
    finally:
        setup.consumer.stop()
        await asyncio.wait_for(task, timeout=3)  # graceful: within one fetch timeout
    assert sorted(await setup.effects()) == [f"inv_{n}" for n in range(5)]


async def test_handlers_are_registered_once(setup: Setup) -> None:
    assert setup.consumer.event_types == [EVENT]
    with pytest.raises(ValueError, match="already registered"):
        setup.consumer.on(EVENT, Struct, setup.behaviour.handle)


async def test_consumer_span_joins_the_trace_of_the_command(
    setup: Setup, nats_client: Client, in_memory_spans: InMemorySpanExporter
) -> None:
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span("ImportFinvoice") as command_span:
        async with setup.db.transaction() as session:
            payload = Struct()
            payload.update({"invoice": "inv_traced"})
            await add_event(
                session,
                event_type=EVENT,
                subject_name="invoices/inv_traced",
                message=payload,
                source="/ropo/invoice",
            )
    relay = OutboxRelay(setup.db, nats_client, source="/ropo/invoice", lease=timedelta(seconds=5))
    # The relay runs later, outside any request: its span still joins the command's trace.
    assert await relay.publish_batch() == 1
    assert await setup.consumer.process(await setup.next()) is Outcome.PROCESSED

    spans = {span.name: span for span in in_memory_spans.get_finished_spans()}
    command = spans["ImportFinvoice"]
    publish = spans[f"publish {EVENT}"]
    process = spans[f"process {EVENT}"]
    trace_id = command_span.get_span_context().trace_id
    assert {command.context.trace_id, publish.context.trace_id, process.context.trace_id} == {
        trace_id
    }
    assert publish.parent is not None and publish.parent.span_id == command.context.span_id
    assert process.parent is not None and process.parent.span_id == publish.context.span_id
    assert publish.kind is SpanKind.PRODUCER
    assert process.kind is SpanKind.CONSUMER
    assert publish.attributes is not None and process.attributes is not None
    assert publish.attributes["messaging.system"] == "nats"
    assert publish.attributes["messaging.destination.name"] == EVENT
    assert process.attributes["messaging.message.id"] == publish.attributes["messaging.message.id"]
    assert process.attributes["messaging.consumer.group.name"] == DURABLE
