"""Writing events into the outbox in the caller's transaction."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from ropo_platform.db import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.logging import request_id_scope
from ropo_platform.messaging import OutboxEvent, OutboxWriter, add_event, add_events
from ropo_platform.messaging.wakeup import OUTBOX_COMMITTED

EVENT = "ropo.invoice.v1.invoice_registered"
outbox = DEFAULT_TABLES.outbox


def message(**fields: str) -> Struct:
    struct = Struct()
    struct.update(fields)
    return struct


async def rows(db: Database) -> list[sa.Row[tuple[object, ...]]]:
    async with db.session() as session:
        return list(await session.execute(sa.select(outbox).order_by(outbox.c.seq)))


async def test_event_row_has_everything_the_relay_needs(messaging_database: Database) -> None:
    db = messaging_database
    occurred = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    payload = message(invoice="invoices/inv_1")
    async with db.transaction() as session:
        event_id = await add_event(
            session,
            event_type=EVENT,
            subject_name="invoices/inv_1",
            message=payload,
            source="/ropo/invoice",
            occurred_at=occurred,
        )
    [row] = await rows(db)
    assert uuid.UUID(event_id).version == 4
    assert row.id == event_id
    assert (row.event_type, row.source, row.subject) == (EVENT, "/ropo/invoice", "invoices/inv_1")
    assert Struct.FromString(row.payload) == payload
    assert row.occurred_at == occurred
    assert row.created_at.tzinfo is not None
    assert (row.attempts, row.last_error, row.claimed_until, row.sent_at) == (0, None, None, None)
    assert row.headers == {
        "Nats-Msg-Id": event_id,
        "ce-specversion": "1.0",
        "ce-id": event_id,
        "ce-source": "/ropo/invoice",
        "ce-type": EVENT,
        "ce-time": "2026-02-03T04:05:06.000000Z",
        "ce-subject": "invoices/inv_1",
        "ce-datacontenttype": "application/protobuf",
    }


async def test_trace_context_is_captured_at_write_time(
    messaging_database: Database, in_memory_spans: InMemorySpanExporter
) -> None:
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span("import invoice") as span:
        async with messaging_database.transaction() as session:
            await add_event(
                session,
                event_type=EVENT,
                subject_name="invoices/inv_1",
                message=message(),
                source="/ropo/invoice",
            )
        context = span.get_span_context()
    [row] = await rows(messaging_database)
    version, trace_id, span_id, _flags = row.headers["traceparent"].split("-")
    assert version == "00"
    assert int(trace_id, 16) == context.trace_id
    assert int(span_id, 16) == context.span_id


async def test_correlation_id_is_carried(messaging_database: Database) -> None:
    with request_id_scope("req-123"):
        async with messaging_database.transaction() as session:
            await add_event(
                session,
                event_type=EVENT,
                subject_name="invoices/inv_1",
                message=message(),
                source="/ropo/invoice",
            )
    [row] = await rows(messaging_database)
    assert row.headers["ropo-correlation-id"] == "req-123"


async def test_rolled_back_command_leaves_no_event(messaging_database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with messaging_database.transaction() as session:
            await add_event(
                session,
                event_type=EVENT,
                subject_name="invoices/inv_1",
                message=message(),
                source="/ropo/invoice",
            )
            raise RuntimeError("the business rule failed after the event was added")
    assert await rows(messaging_database) == []


async def test_commit_wakes_an_in_process_relay_and_rollback_does_not(
    messaging_database: Database,
) -> None:
    waiter = OUTBOX_COMMITTED.subscribe()
    try:
        writer = OutboxWriter("/ropo/invoice")
        with pytest.raises(RuntimeError):
            async with messaging_database.transaction() as session:
                await writer.add(
                    session, event_type=EVENT, subject_name="invoices/a", message=message()
                )
                raise RuntimeError
        # A later commit of the same kind of session without outbox rows: no wake-up.
        async with messaging_database.transaction() as session:
            await session.execute(sa.select(1))
        await asyncio.sleep(0)
        assert not waiter.is_set()

        async with messaging_database.transaction() as session:
            await writer.add(
                session, event_type=EVENT, subject_name="invoices/a", message=message()
            )
        await asyncio.wait_for(waiter.wait(), timeout=1)
    finally:
        OUTBOX_COMMITTED.unsubscribe(waiter)


@pytest.mark.parametrize(
    ("event_type", "subject", "source", "error"),
    [
        ("invoice_registered", "invoices/a", "/ropo/invoice", "event type"),
        (EVENT, "invoices/a", "invoice", "source"),
        (EVENT, "", "/ropo/invoice", "subject_name"),
        (EVENT, "persons/010190-900X", "/ropo/invoice", "personal"),
    ],
)
async def test_invalid_events_are_refused(
    messaging_database: Database, event_type: str, subject: str, source: str, error: str
) -> None:
    async with messaging_database.transaction() as session:
        with pytest.raises(ValueError, match=error) as caught:
            await add_event(
                session,
                event_type=event_type,
                subject_name=subject,
                message=message(),
                source=source,
            )
    assert "010190" not in str(caught.value)
    assert await rows(messaging_database) == []


def test_writer_checks_its_source_up_front() -> None:
    with pytest.raises(ValueError):
        OutboxWriter("invoice")


async def test_a_batch_of_events_is_one_statement_in_order(messaging_database: Database) -> None:
    db = messaging_database
    writer = OutboxWriter("/ropo/invoice")
    batch = [
        OutboxEvent(EVENT, f"invoices/inv_{n}", message(invoice=f"invoices/inv_{n}"))
        for n in range(3)
    ]
    async with db.transaction() as session:
        ids = await writer.add_many(session, batch)
    written = await rows(db)
    assert [row.id for row in written] == ids
    assert [row.subject for row in written] == [
        "invoices/inv_0",
        "invoices/inv_1",
        "invoices/inv_2",
    ]
    assert all(row.headers["ce-id"] == row.id for row in written)
    assert len(set(ids)) == 3

    with pytest.raises(ValueError, match="personal ids"):
        async with db.transaction() as session:
            await add_events(
                session,
                [OutboxEvent(EVENT, "invoices/010190-900P", message())],
                source="/ropo/invoice",
            )
    assert len(await rows(db)) == 3
