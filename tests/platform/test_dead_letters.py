"""Dead-letter replay against a real nats-server: a consumer gives up on an event,
the fix is deployed, ``dead-letters replay`` hands it back, and every consumer
ends up having applied it exactly once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct
from nats.aio.client import Client
from nats.js import JetStreamContext
from ropo_platform.db import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.messaging import (
    ConsumerSettings,
    Envelope,
    EventConsumer,
    OutboxRelay,
    PermanentError,
    add_event,
    ensure_stream,
)
from ropo_platform.messaging.dead_letters import (
    REPLAY_HEADER,
    DeadLetter,
    ReplayStatus,
    list_dead_letters,
    replay_dead_letters,
    replay_message_id,
)
from ropo_platform.messaging.envelope import CE_ID, CE_SUBJECT, CE_TIME, CE_TYPE, NATS_MSG_ID
from ropo_platform.messaging.inbox import record_dead_letter
from ropo_platform.testing import eventually
from ropo_platform.testing.nats_server import NatsServer
from sqlalchemy.ext.asyncio import AsyncSession

EVENT = "ropo.invoice.v1.invoice_registered"
STREAM = "ROPO_INVOICE"
FAILING = "authorization-invoice-events"
HEALTHY = "payment-invoice-events"
ERROR = "invoice registered before its creditor exists"
# A henkilötunnus in the payload: whatever the tools print must not contain it.
PAYLOAD_HETU = "010190-900P"

effects_metadata = sa.MetaData()
effects = sa.Table(
    "test_replay_effects",
    effects_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("consumer", sa.String(200), nullable=False),
    sa.Column("invoice", sa.String(100), nullable=False),
)


@dataclass
class Handler:
    """One consumer's handler; ``broken`` until the fix is deployed."""

    consumer: str
    broken: bool = False

    async def handle(self, session: AsyncSession, event: Struct, envelope: Envelope) -> None:
        invoice = event.fields["invoice"].string_value
        await session.execute(sa.insert(effects).values(consumer=self.consumer, invoice=invoice))
        if self.broken:
            raise PermanentError(ERROR)


@dataclass
class World:
    db: Database
    nc: Client
    js: JetStreamContext
    handlers: dict[str, Handler]
    consumers: list[EventConsumer] = field(default_factory=list)

    async def publish(self, invoice: str) -> str:
        """Through the outbox and the relay, as a service publishes."""
        payload = Struct()
        payload.update({"invoice": invoice, "debtor": PAYLOAD_HETU})
        async with self.db.transaction() as session:
            event_id = await add_event(
                session,
                event_type=EVENT,
                subject_name=f"invoices/{invoice}",
                message=payload,
                source="/ropo/invoice",
            )
        relay = OutboxRelay(self.db, self.nc, source="/ropo/invoice")
        assert await relay.publish_batch() == 1
        return str(event_id)

    async def effects(self) -> dict[str, list[str]]:
        async with self.db.session() as session:
            rows = (await session.execute(sa.select(effects.c.consumer, effects.c.invoice))).all()
        return {name: [r.invoice for r in rows if r.consumer == name] for name in self.handlers}

    async def dead_letters(self) -> list[DeadLetter]:
        return await list_dead_letters(self.db)

    async def stream_messages(self) -> int:
        return int((await self.js.stream_info(STREAM)).state.messages)

    async def settled(self) -> None:
        """Every consumer has had every message and acknowledged (or terminated) it."""

        async def outstanding() -> int:
            infos = [await self.js.consumer_info(STREAM, name) for name in self.handlers]
            return sum((info.num_pending or 0) + (info.num_ack_pending or 0) for info in infos)

        await eventually(outstanding, lambda count: count == 0, message="consumers not idle")


SETTINGS = ConsumerSettings(
    stream=STREAM,
    durable="-",
    ack_wait=2.0,
    max_deliver=3,
    nak_backoff=(0.1,),
    fetch_timeout=0.2,
    ack_timeout=2.0,
)


@pytest_asyncio.fixture
async def world(messaging_database: Database, nats_client: Client) -> AsyncIterator[World]:
    async with messaging_database.engine.begin() as connection:
        await connection.run_sync(effects_metadata.create_all)
    js = nats_client.jetstream()
    await ensure_stream(js, name=STREAM, subjects=["ropo.invoice.>"])
    world = World(
        messaging_database,
        nats_client,
        js,
        {name: Handler(name) for name in (FAILING, HEALTHY)},
    )
    tasks = []
    for name, handler in world.handlers.items():
        consumer = EventConsumer(messaging_database, nats_client, replace(SETTINGS, durable=name))
        consumer.on(EVENT, Struct, handler.handle)
        world.consumers.append(consumer)
        tasks.append(asyncio.create_task(consumer.run()))
    try:
        yield world
    finally:
        for consumer in world.consumers:
            consumer.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)


async def dead_lettered(world: World) -> DeadLetter:
    [letter] = await eventually(
        world.dead_letters, lambda rows: len(rows) == 1, message="no dead letter"
    )
    return letter


def dead_letters_cli(
    *arguments: str, database_url: str, nats_url: str
) -> subprocess.CompletedProcess[str]:
    """``python -m ropo_chat dead-letters …``: any service has the command."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ROPO_", "OTEL_"))},
        "ROPO_ENV": "test",
        "ROPO_CHAT_DATABASE_URL": database_url,
        "ROPO_CHAT_NATS_URL": nats_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "ropo_chat", "dead-letters", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once_by_every_consumer(
    world: World, database_url: str, nats_server: NatsServer
) -> None:
    world.handlers[FAILING].broken = True
    event_id = await world.publish("inv_1")
    letter = await dead_lettered(world)
    await world.settled()
    assert (letter.consumer, letter.event_id, letter.subject, letter.waiting) == (
        FAILING,
        event_id,
        EVENT,
        True,
    )
    assert await world.effects() == {FAILING: [], HEALTHY: ["inv_1"]}

    world.handlers[FAILING].broken = False  # the fix is deployed

    async def cli(*arguments: str) -> subprocess.CompletedProcess[str]:
        # In a thread: the consumers keep running meanwhile, as in production.
        return await asyncio.to_thread(
            dead_letters_cli, *arguments, database_url=database_url, nats_url=nats_server.url
        )

    listed = await cli("list")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if event_id in line]
    assert row.split()[:4] == [str(letter.id), EVENT, event_id, FAILING]
    assert "waiting" in row and f"PermanentError: {ERROR}" in row
    assert PAYLOAD_HETU not in listed.stdout + listed.stderr
    assert listed.stdout.splitlines()[-1] == "1 dead letters, 1 waiting for replay"

    replayed = await cli("replay", "--id", str(letter.id))
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.startswith(f"replayed {letter.id}: {EVENT} event {event_id} for ")
    await world.settled()
    # The failing consumer applied it now; the other one's inbox recognised the event id.
    assert await world.effects() == {FAILING: ["inv_1"], HEALTHY: ["inv_1"]}
    [after] = await world.dead_letters()
    assert (after.replayed_at is not None, after.replay_count) == (True, 1)

    messages = await world.stream_messages()
    again = await cli("replay", "--id", str(letter.id))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"skipped {letter.id}: already replayed at ")
    assert await world.stream_messages() == messages  # nothing published
    assert "replayed×1" in (await cli("list")).stdout


async def test_force_publishes_again_and_the_inboxes_absorb_it(world: World) -> None:
    world.handlers[FAILING].broken = True
    await world.publish("inv_1")
    letter = await dead_lettered(world)
    world.handlers[FAILING].broken = False
    [first] = await replay_dead_letters(world.db, world.nc, [letter.id])
    assert first.status is ReplayStatus.REPLAYED
    await world.settled()
    messages = await world.stream_messages()

    [forced] = await replay_dead_letters(world.db, world.nc, [letter.id], force=True)

    assert forced.status is ReplayStatus.REPLAYED
    assert await world.stream_messages() == messages + 1
    await world.settled()
    assert await world.effects() == {FAILING: ["inv_1"], HEALTHY: ["inv_1"]}
    [after] = await world.dead_letters()
    assert after.replay_count == 2


async def test_a_replay_that_fails_again_reopens_the_dead_letter(world: World) -> None:
    world.handlers[FAILING].broken = True
    await world.publish("inv_1")
    letter = await dead_lettered(world)

    # Replayed before the fix: the consumer gives up on it once more.
    [result] = await replay_dead_letters(world.db, world.nc, [letter.id])
    assert result.status is ReplayStatus.REPLAYED
    [reopened] = await eventually(
        world.dead_letters,
        lambda rows: rows[0].waiting,
        message="the failed replay did not reopen the dead letter",
    )
    assert (reopened.id, reopened.replay_count) == (letter.id, 1)
    assert reopened.error == f"PermanentError: {ERROR}"

    # Waiting again, so a plain replay (no --force) goes out under the next message id.
    world.handlers[FAILING].broken = False
    [retried] = await replay_dead_letters(world.db, world.nc, None)
    assert retried.status is ReplayStatus.REPLAYED
    await world.settled()
    assert await world.effects() == {FAILING: ["inv_1"], HEALTHY: ["inv_1"]}
    [after] = await world.dead_letters()
    assert (after.waiting, after.replay_count) == (False, 2)


async def test_a_replay_retried_after_a_lost_acknowledgement_is_not_published_twice(
    world: World,
) -> None:
    world.handlers[FAILING].broken = True
    await world.publish("inv_1")
    letter = await dead_lettered(world)
    world.handlers[FAILING].broken = False
    await replay_dead_letters(world.db, world.nc, [letter.id])
    await world.settled()
    messages = await world.stream_messages()
    # As if the PubAck had been lost: the row is waiting again, the message is in the stream.
    async with world.db.transaction() as session:
        await session.execute(
            sa.update(DEFAULT_TABLES.dead_letter).values(replayed_at=None, replay_count=0)
        )

    [retried] = await replay_dead_letters(world.db, world.nc, [letter.id])

    assert retried.status is ReplayStatus.REPLAYED
    assert "an earlier attempt had already published it" in retried.detail
    assert await world.stream_messages() == messages


# ----------------------------------------------------------- without consumers


@pytest_asyncio.fixture
async def stream(nats_client: Client) -> JetStreamContext:
    js = nats_client.jetstream()
    await ensure_stream(js, name=STREAM, subjects=["ropo.invoice.>"])
    return js


async def store_dead_letter(
    db: Database,
    *,
    headers: dict[str, str] | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    payload: bytes = b"\x0a\x03abc",
) -> int:
    event_id = event_id or str(uuid.uuid4())
    if headers is None:
        headers = {
            NATS_MSG_ID: event_id,
            CE_ID: event_id,
            CE_TYPE: EVENT,
            CE_SUBJECT: "invoices/inv_9",
            CE_TIME: (time or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "ce-source": "/ropo/invoice",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        }
    envelope = Envelope.from_headers(headers, nats_subject=EVENT, stream_seq=4)
    async with db.transaction() as session:
        await record_dead_letter(
            session, consumer=FAILING, envelope=envelope, payload=payload, error="E: failed"
        )
    [letter] = [row for row in await list_dead_letters(db) if row.event_id == envelope.id]
    return letter.id


async def test_replay_publishes_the_original_envelope_under_a_fresh_message_id(
    messaging_database: Database, nats_client: Client, stream: JetStreamContext
) -> None:
    seq = await store_dead_letter(messaging_database, event_id="e-1", payload=b"\x01payload")
    stored = await messaging_database_headers(messaging_database, seq)

    [result] = await replay_dead_letters(messaging_database, nats_client, [seq])

    assert result.status is ReplayStatus.REPLAYED
    message = await stream.get_last_msg(STREAM, EVENT)
    assert message.data == b"\x01payload"
    assert message.headers is not None
    expected = {**stored, NATS_MSG_ID: replay_message_id("e-1", FAILING, 1), REPLAY_HEADER: "1"}
    assert dict(message.headers) == expected
    assert message.headers[NATS_MSG_ID] != "e-1"  # the duplicate window would drop that


async def messaging_database_headers(db: Database, seq: int) -> dict[str, str]:
    table = DEFAULT_TABLES.dead_letter
    async with db.session() as session:
        headers = (
            await session.execute(sa.select(table.c.headers).where(table.c.seq == seq))
        ).one()
    return dict(headers[0])


async def test_an_event_known_only_by_its_message_id_keeps_that_id_as_ce_id(
    messaging_database: Database, nats_client: Client, stream: JetStreamContext
) -> None:
    seq = await store_dead_letter(
        messaging_database, headers={NATS_MSG_ID: "only-msg-id", CE_TYPE: EVENT}
    )

    [result] = await replay_dead_letters(messaging_database, nats_client, [seq])

    assert result.status is ReplayStatus.REPLAYED
    message = await stream.get_last_msg(STREAM, EVENT)
    assert message.headers is not None
    assert Envelope.from_headers(message.headers, nats_subject=EVENT).id == "only-msg-id"


async def test_a_message_without_any_event_id_is_not_replayed(
    messaging_database: Database, nats_client: Client, stream: JetStreamContext
) -> None:
    # What the consumer stores for an envelope it could not read: keyed by stream position.
    placeholder = Envelope(
        id=f"{STREAM}:4",
        type=EVENT,
        source="",
        subject=None,
        time=None,
        nats_subject=EVENT,
        headers={CE_TYPE: EVENT},
    )
    async with messaging_database.transaction() as session:
        await record_dead_letter(
            session, consumer=FAILING, envelope=placeholder, payload=b"", error="InvalidEnvelope"
        )
    [letter] = await list_dead_letters(messaging_database)

    [result] = await replay_dead_letters(messaging_database, nats_client, [letter.id])

    assert result.status is ReplayStatus.NO_EVENT_ID
    assert int((await stream.stream_info(STREAM)).state.messages) == 0


async def test_an_event_older_than_the_inbox_retention_needs_force(
    messaging_database: Database, nats_client: Client, stream: JetStreamContext
) -> None:
    seq = await store_dead_letter(messaging_database, time=datetime.now(UTC) - timedelta(days=40))

    [refused] = await replay_dead_letters(messaging_database, nats_client, [seq])
    assert refused.status is ReplayStatus.TOO_OLD
    assert "older than the inbox retention (35 days)" in refused.detail
    assert int((await stream.stream_info(STREAM)).state.messages) == 0

    [forced] = await replay_dead_letters(messaging_database, nats_client, [seq], force=True)
    assert forced.status is ReplayStatus.REPLAYED


async def test_a_failed_publish_leaves_the_row_waiting_and_its_message_id_unused(
    messaging_database: Database,
    nats_client: Client,
    stream: JetStreamContext,
    nats_server: NatsServer,
) -> None:
    seq = await store_dead_letter(messaging_database, event_id="e-2")
    nats_server.stop()
    try:
        [failed] = await replay_dead_letters(
            messaging_database, nats_client, [seq], publish_timeout=0.5
        )
    finally:
        nats_server.start()
    assert failed.status is ReplayStatus.FAILED
    [letter] = await list_dead_letters(messaging_database)
    assert (letter.waiting, letter.replay_count) == (True, 0)

    await eventually(lambda: _connected(nats_client), lambda up: up, message="no reconnect")
    [replayed] = await replay_dead_letters(messaging_database, nats_client, [seq])
    assert replayed.status is ReplayStatus.REPLAYED
    message = await stream.get_last_msg(STREAM, EVENT)
    assert message.headers is not None
    assert message.headers[NATS_MSG_ID] == replay_message_id("e-2", FAILING, 1)


async def _connected(nc: Client) -> bool:
    return nc.is_connected


async def test_replay_all_takes_the_waiting_rows_oldest_first_and_of_one_consumer(
    messaging_database: Database, nats_client: Client, stream: JetStreamContext
) -> None:
    first = await store_dead_letter(messaging_database, event_id="e-a")
    second = await store_dead_letter(messaging_database, event_id="e-b")
    await replay_dead_letters(messaging_database, nats_client, [first])
    other = Envelope.from_headers({CE_ID: "e-c", CE_TYPE: EVENT}, nats_subject=EVENT)
    async with messaging_database.transaction() as session:
        await record_dead_letter(
            session, consumer=HEALTHY, envelope=other, payload=b"", error="E: other"
        )

    results = await replay_dead_letters(messaging_database, nats_client, None, consumer=FAILING)

    assert [(r.id, r.status) for r in results] == [(second, ReplayStatus.REPLAYED)]
    everything = await replay_dead_letters(messaging_database, nats_client, None)
    assert [r.letter.event_id for r in everything if r.letter] == ["e-c"]
    unknown = await replay_dead_letters(messaging_database, nats_client, [999_999])
    assert [r.status for r in unknown] == [ReplayStatus.NOT_FOUND]


@pytest.mark.parametrize("already", [False, True])
async def test_dead_lettering_again_reopens_only_a_replayed_row(
    messaging_database: Database, already: bool
) -> None:
    envelope = Envelope.from_headers({CE_ID: "e-3", CE_TYPE: EVENT}, nats_subject=EVENT)
    async with messaging_database.transaction() as session:
        assert await record_dead_letter(
            session, consumer=FAILING, envelope=envelope, payload=b"", error="E: first"
        )
    if already:
        async with messaging_database.transaction() as session:
            await session.execute(
                sa.update(DEFAULT_TABLES.dead_letter).values(
                    replayed_at=datetime.now(UTC), replay_count=1
                )
            )
    async with messaging_database.transaction() as session:
        again = await record_dead_letter(
            session, consumer=FAILING, envelope=envelope, payload=b"", error="E: second"
        )
    [letter] = await list_dead_letters(messaging_database)
    assert again is already
    assert (letter.waiting, letter.error) == (True, "E: second" if already else "E: first")
    assert letter.replay_count == (1 if already else 0)
