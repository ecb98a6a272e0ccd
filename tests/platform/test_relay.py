"""The outbox relay against a real nats-server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct
from nats.aio.client import Client
from ropo_platform.db import Database, utcnow
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.messaging import OutboxRelay, add_event, ensure_stream
from ropo_platform.messaging import metrics as m
from ropo_platform.messaging import outbox_store as store
from ropo_platform.messaging.backoff import Backoff

EVENT = "ropo.invoice.v1.invoice_registered"
SOURCE = "/ropo/invoice"
outbox = DEFAULT_TABLES.outbox


async def write(db: Database, *subjects: str) -> list[str]:
    ids = []
    for subject in subjects:
        payload = Struct()
        payload.update({"invoice": subject})
        async with db.transaction() as session:
            ids.append(
                await add_event(
                    session, event_type=EVENT, subject_name=subject, message=payload, source=SOURCE
                )
            )
    return ids


def relay(db: Database, nc: Client, **options: object) -> OutboxRelay:
    defaults: dict[str, object] = {
        "source": SOURCE,
        "lease": timedelta(seconds=5),
        "poll_interval": 0.05,
        "publish_timeout": 1.0,
        "retry_backoff": Backoff(base=0.2, cap=1.0, jitter=0.0),
    }
    return OutboxRelay(db, nc, **{**defaults, **options})  # type: ignore[arg-type]


async def outbox_rows(db: Database) -> list[sa.Row[tuple[object, ...]]]:
    async with db.session() as session:
        return list(await session.execute(sa.select(outbox).order_by(outbox.c.seq)))


async def test_publishes_with_cloudevents_headers_and_marks_sent(
    messaging_database: Database, nats_client: Client
) -> None:
    db = messaging_database
    js = nats_client.jetstream()
    await ensure_stream(js, name="ROPO_INVOICE", subjects=["ropo.invoice.>"])
    [event_id] = await write(db, "invoices/inv_1")

    assert await relay(db, nats_client).publish_batch() == 1

    message = await js.get_msg("ROPO_INVOICE", 1)
    assert message.subject == EVENT
    assert message.headers is not None
    headers = dict(message.headers)
    assert headers["Nats-Msg-Id"] == headers["ce-id"] == event_id
    assert headers["ce-type"] == EVENT
    assert headers["ce-source"] == SOURCE
    assert headers["ce-subject"] == "invoices/inv_1"
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-datacontenttype"] == "application/protobuf"
    assert headers["ce-time"].endswith("Z")
    assert Struct.FromString(message.data or b"").fields["invoice"].string_value == "invoices/inv_1"

    [row] = await outbox_rows(db)
    assert row.sent_at is not None and row.claimed_until is None and row.attempts == 1
    assert await relay(db, nats_client).publish_batch() == 0


async def test_later_events_of_an_aggregate_wait_for_earlier_ones(
    messaging_database: Database,
) -> None:
    db = messaging_database
    await write(db, "invoices/a", "invoices/b", "invoices/a", "invoices/c")
    # Another relay holds the first "a" event (or it waits for a retry).
    async with db.transaction() as session:
        await session.execute(
            sa.update(outbox)
            .where(outbox.c.seq == 1)
            .values(claimed_until=utcnow() + timedelta(minutes=1))
        )
    claimed = await store.claim_batch(db, limit=10, lease=timedelta(seconds=5))
    assert [r.subject for r in claimed] == ["invoices/b", "invoices/c"]

    async with db.transaction() as session:
        await session.execute(sa.update(outbox).where(outbox.c.seq == 1).values(claimed_until=None))
    claimed = await store.claim_batch(db, limit=10, lease=timedelta(seconds=5))
    assert [(r.seq, r.subject) for r in claimed] == [(1, "invoices/a"), (3, "invoices/a")]


async def test_claims_are_leased_and_reclaimed_after_a_crash(
    messaging_database: Database,
) -> None:
    db = messaging_database
    await write(db, "invoices/a", "invoices/b")
    first = await store.claim_batch(db, limit=10, lease=timedelta(milliseconds=300))
    assert len(first) == 2
    # The claiming relay "died": nobody else may take the rows while the lease runs...
    assert await store.claim_batch(db, limit=10, lease=timedelta(seconds=5)) == []
    await asyncio.sleep(0.35)
    # ...and afterwards they are published by whoever comes next.
    again = await store.claim_batch(db, limit=10, lease=timedelta(seconds=5))
    assert [r.id for r in again] == [r.id for r in first]
    assert [r.attempts for r in again] == [2, 2]


async def test_failed_publish_is_retried_with_backoff(
    messaging_database: Database, nats_client: Client
) -> None:
    db = messaging_database
    await write(db, "invoices/a", "invoices/b")
    # No stream captures the subject yet: JetStream has no responder for it.
    failures = m.OUTBOX_PUBLISH_FAILURES.labels(SOURCE, EVENT)
    before = failures._value.get()
    subject = relay(db, nats_client, publish_timeout=0.3)
    assert await subject.publish_batch() == 2

    first, second = await outbox_rows(db)
    assert first.sent_at is None and first.attempts == 1
    assert first.last_error and "NoStreamResponseError" in first.last_error
    assert first.claimed_until > utcnow()  # not before the backoff delay
    # The rest of the batch was handed back untouched: the broker is the problem.
    assert (second.attempts, second.claimed_until, second.last_error) == (0, None, None)
    assert failures._value.get() == before + 1

    await ensure_stream(nats_client.jetstream(), name="ROPO_INVOICE", subjects=["ropo.invoice.>"])
    await asyncio.sleep(0.25)
    assert await subject.publish_batch() == 2
    assert all(row.sent_at is not None for row in await outbox_rows(db))


async def test_backlog_metrics(messaging_database: Database, nats_client: Client) -> None:
    db = messaging_database
    subject = relay(db, nats_client)
    backlog = await subject.refresh_metrics()
    assert (backlog.unsent, backlog.oldest_age()) == (0, 0.0)
    await write(db, "invoices/a", "invoices/b")
    await asyncio.sleep(0.05)
    backlog = await subject.refresh_metrics()
    assert backlog.unsent == 2
    assert backlog.oldest_age() >= 0.05
    assert m.OUTBOX_BACKLOG.labels(SOURCE)._value.get() == 2
    assert m.OUTBOX_OLDEST_AGE.labels(SOURCE)._value.get() >= 0.05


async def test_sent_rows_are_purged_after_retention(messaging_database: Database) -> None:
    db = messaging_database
    await write(db, "invoices/old", "invoices/recent", "invoices/unsent")
    now = utcnow()
    async with db.transaction() as session:
        for seq, sent_at in ((1, now - timedelta(days=8)), (2, now - timedelta(hours=1))):
            await session.execute(
                sa.update(outbox).where(outbox.c.seq == seq).values(sent_at=sent_at)
            )
    assert await store.purge_sent(db, older_than=timedelta(days=7), batch_size=1) == 1
    assert [r.subject for r in await outbox_rows(db)] == ["invoices/recent", "invoices/unsent"]


async def test_running_relay_wakes_up_on_commit(
    messaging_database: Database, nats_client: Client
) -> None:
    db = messaging_database
    await ensure_stream(nats_client.jetstream(), name="ROPO_INVOICE", subjects=["ropo.invoice.>"])
    # A long poll interval: only the in-process commit signal can explain a quick publish.
    subject = relay(db, nats_client, poll_interval=30.0)
    task = asyncio.create_task(subject.run())
    try:
        await asyncio.sleep(0.2)  # idle: the relay is now waiting
        started = time.monotonic()
        await write(db, "invoices/a")
        while (await outbox_rows(db))[0].sent_at is None:
            assert time.monotonic() - started < 2, "relay did not wake up"
            await asyncio.sleep(0.01)
    finally:
        subject.stop()
        await asyncio.wait_for(task, timeout=5)


# ---------------------------------------------------------------- PostgreSQL only


@pytest.fixture
def postgres_only(database_backend: str) -> None:
    if database_backend != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are a PostgreSQL feature")


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_only")
async def test_claim_skips_rows_locked_by_another_relay(
    messaging_database: Database, database_url: str
) -> None:
    db = messaging_database
    await write(db, "invoices/a", "invoices/b", "invoices/a", "invoices/c")
    other = Database(database_url)
    try:
        async with other.transaction() as session:
            # Another relay is in the middle of claiming the first row.
            await session.execute(
                sa.select(outbox.c.seq).where(outbox.c.seq == 1).with_for_update()
            )
            claimed = await asyncio.wait_for(
                store.claim_batch(db, limit=10, lease=timedelta(seconds=5)), timeout=5
            )
            # No waiting on the lock, and the second "a" event stays behind the first.
            assert [r.subject for r in claimed] == ["invoices/b", "invoices/c"]
    finally:
        await other.dispose()


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_only")
async def test_late_committing_transaction_is_not_skipped(
    messaging_database: Database, nats_client: Client
) -> None:
    # Sequence numbers are taken at insert and become visible at commit: a relay
    # that remembered "last seq published" would skip the older row for ever.
    db = messaging_database
    await ensure_stream(nats_client.jetstream(), name="ROPO_INVOICE", subjects=["ropo.invoice.>"])
    subject = relay(db, nats_client)
    payload = Struct()
    async with db.transaction() as slow:
        await add_event(
            slow, event_type=EVENT, subject_name="invoices/slow", message=payload, source=SOURCE
        )
        await write(db, "invoices/fast")  # commits first, with a higher seq
        assert await subject.publish_batch() == 1
    assert await subject.publish_batch() == 1
    rows = await outbox_rows(db)
    assert [(r.subject, r.sent_at is not None) for r in rows] == [
        ("invoices/slow", True),
        ("invoices/fast", True),
    ]
