"""The ``payment-invoice-events`` consumer fills the invoice index from a real NATS
JetStream server into a real migrated database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from google.protobuf import message as protobuf_message
from google.protobuf import timestamp_pb2
from google.type import money_pb2
from nats.aio.client import Client
from nats.js import JetStreamContext
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.invoice.v1 import invoice_pb2
from ropo_payment.adapters.invoice_index import IndexedInvoice, find_by_reference, find_invoices
from ropo_payment.adapters.migrations import migrations_dir
from ropo_payment.entrypoints.invoice_events import (
    INVOICE_PAID,
    INVOICE_REGISTERED,
    INVOICE_STAGE_CHANGED,
    INVOICE_STREAM,
    invoice_event_consumer,
)
from ropo_platform.db import Database
from ropo_platform.db.migrations import upgrade_to_head_async
from ropo_platform.messaging import ConsumerSettings, connect_nats, ensure_stream
from ropo_platform.messaging.envelope import cloudevent_headers
from ropo_platform.testing import NatsServer, eventually

REGISTERED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DEBTOR = "persons/p-key-1"
CREDITOR = "creditors/c1"


def stamp(value: datetime) -> timestamp_pb2.Timestamp:
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(value)
    return result


async def publish(js: JetStreamContext, event_type: str, message: protobuf_message.Message) -> None:
    headers = cloudevent_headers(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        source="/ropo/invoice",
        subject=getattr(message, "invoice"),  # noqa: B009 - every invoice event has one
        time=REGISTERED,
    )
    await js.publish(event_type, message.SerializeToString(), headers=headers)


def registered(invoice: str, reference: str) -> invoice_events.InvoiceRegistered:
    return invoice_events.InvoiceRegistered(
        invoice=invoice,
        creditor=CREDITOR,
        debtor_party=DEBTOR,
        invoice_number="1001",
        reference=reference,
        total_amount=money_pb2.Money(currency_code="EUR", units=120, nanos=500_000_000),
        register_time=stamp(REGISTERED),
        state=invoice_pb2.Invoice.STATE_INVOICE,
    )


def paid(invoice: str, at: datetime) -> invoice_events.InvoicePaid:
    return invoice_events.InvoicePaid(
        invoice=invoice, creditor=CREDITOR, debtor_party=DEBTOR, paid_time=stamp(at)
    )


def stage(invoice: str, state: int, at: datetime) -> invoice_events.InvoiceStageChanged:
    return invoice_events.InvoiceStageChanged(
        invoice=invoice,
        previous_state=invoice_pb2.Invoice.STATE_INVOICE,
        state=state,  # type: ignore[arg-type]
        change_time=stamp(at),
        debtor_party=DEBTOR,
        creditor=CREDITOR,
    )


@pytest_asyncio.fixture
async def index_database(database_url: str) -> AsyncIterator[Database]:
    await upgrade_to_head_async(database_url, migrations_dir())
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest_asyncio.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    nc = await connect_nats(nats_server.url, name="test-invoice-producer")
    await ensure_stream(nc.jetstream(), name=INVOICE_STREAM, subjects=["ropo.invoice.>"])
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


@pytest_asyncio.fixture
async def consumer(
    index_database: Database, nats_server: NatsServer, js: JetStreamContext
) -> AsyncIterator[None]:
    nc: Client = await connect_nats(nats_server.url, name="payment-worker")
    running = invoice_event_consumer(
        index_database,
        nc,
        ConsumerSettings(
            stream=INVOICE_STREAM, durable="payment-invoice-events", fetch_timeout=0.2
        ),
    )
    task = asyncio.create_task(running.run())
    try:
        yield
    finally:
        running.stop()
        await asyncio.wait_for(task, timeout=15)
        await nc.close()


async def unfinished(js: JetStreamContext) -> int:
    """Events the consumer has not yet acknowledged."""
    info = await js.consumer_info(INVOICE_STREAM, "payment-invoice-events")
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def indexed(database: Database, invoice_id: str) -> IndexedInvoice | None:
    async with database.session() as session:
        return (await find_invoices(session, [invoice_id])).get(invoice_id)


async def test_registered_fills_the_index_and_paid_closes_it(
    consumer: None, js: JetStreamContext, index_database: Database
) -> None:
    await publish(js, INVOICE_REGISTERED, registered("invoices/inv-1", "RF34 1234 561"))
    found = await eventually(lambda: indexed(index_database, "inv-1"), lambda i: i is not None)
    assert found == IndexedInvoice("inv-1", "RF341234561", DEBTOR, CREDITOR, 12050, False)
    async with index_database.session() as session:
        by_reference = await find_by_reference(session, "RF341234561")
    assert [i.invoice_id for i in by_reference] == ["inv-1"]

    await publish(js, INVOICE_PAID, paid("invoices/inv-1", REGISTERED + timedelta(days=3)))
    await eventually(lambda: indexed(index_database, "inv-1"), lambda i: i is not None and i.closed)


async def test_paid_before_registered_stays_closed(
    consumer: None, js: JetStreamContext, index_database: Database
) -> None:
    await publish(js, INVOICE_PAID, paid("invoices/inv-2", REGISTERED + timedelta(days=1)))
    await eventually(lambda: indexed(index_database, "inv-2"), lambda i: i is not None)
    await publish(js, INVOICE_REGISTERED, registered("invoices/inv-2", "13013"))
    found = await eventually(
        lambda: indexed(index_database, "inv-2"),
        lambda i: i is not None and i.reference == "13013",
    )
    assert found is not None and found.closed


async def test_stage_changes_close_and_reopen_but_a_stale_one_is_ignored(
    consumer: None, js: JetStreamContext, index_database: Database
) -> None:
    await publish(js, INVOICE_REGISTERED, registered("invoices/inv-3", "1234561"))
    await eventually(lambda: indexed(index_database, "inv-3"), lambda i: i is not None)
    day = timedelta(days=1)
    await publish(
        js,
        INVOICE_STAGE_CHANGED,
        stage("invoices/inv-3", invoice_pb2.Invoice.STATE_CANCELLED, REGISTERED + 2 * day),
    )
    await eventually(lambda: indexed(index_database, "inv-3"), lambda i: i is not None and i.closed)
    # Older than the cancellation: must not reopen it.
    await publish(
        js,
        INVOICE_STAGE_CHANGED,
        stage("invoices/inv-3", invoice_pb2.Invoice.STATE_REMINDER, REGISTERED + day),
    )
    await eventually(lambda: unfinished(js), lambda n: n == 0)
    stale = await indexed(index_database, "inv-3")
    assert stale is not None and stale.closed
    await publish(
        js,
        INVOICE_STAGE_CHANGED,
        stage("invoices/inv-3", invoice_pb2.Invoice.STATE_DISPUTED, REGISTERED + 3 * day),
    )
    reopened = await eventually(
        lambda: indexed(index_database, "inv-3"), lambda i: i is not None and not i.closed
    )
    assert reopened is not None
