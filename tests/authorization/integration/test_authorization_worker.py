"""The worker against a real nats-server: invoice_registered → ownership read model.

The test plays the invoice service: it provisions ``ROPO_INVOICE`` and publishes
``InvoiceRegistered`` with the CloudEvents headers the invoice relay writes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from authorization_support import ALICE, BOB, CREDITOR, REGISTERED, start_server
from google.protobuf import timestamp_pb2
from nats.aio.client import Client
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from ropo.authorization.v1 import access_pb2, authorization_service_pb2
from ropo.authorization.v1 import authorization_service_pb2_grpc as pb_grpc
from ropo.invoice.v1 import events_pb2
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.entrypoints.events import (
    INVOICE_CONSUMER,
    INVOICE_REGISTERED,
    INVOICE_STREAM,
)
from ropo_authorization.entrypoints.worker import STREAM, run_worker
from ropo_platform.messaging import connect_nats, ensure_stream
from ropo_platform.messaging.envelope import NATS_MSG_ID, cloudevent_headers
from ropo_platform.telemetry import inject_headers
from ropo_platform.testing import NatsServer, eventually, finished_spans


@dataclass
class Producer:
    """Publishes invoice events the way the invoice service's relay does."""

    js: JetStreamContext

    async def publish(
        self,
        event: events_pb2.InvoiceRegistered,
        *,
        event_id: str | None = None,
        msg_id: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        headers = cloudevent_headers(
            event_id=event_id,
            event_type=INVOICE_REGISTERED,
            source="/ropo/invoice",
            subject=event.invoice,
            time=REGISTERED,
        )
        headers = inject_headers(headers)  # traceparent of the current span, if any
        if msg_id is not None:
            headers[NATS_MSG_ID] = msg_id
        headers.update(extra or {})
        await self.js.publish(INVOICE_REGISTERED, event.SerializeToString(), headers=headers)
        return event_id


def registered(invoice_id: str, debtor: str = ALICE) -> events_pb2.InvoiceRegistered:
    register_time = timestamp_pb2.Timestamp()
    register_time.FromDatetime(REGISTERED)
    return events_pb2.InvoiceRegistered(
        invoice=f"invoices/{invoice_id}",
        creditor=CREDITOR,
        debtor_party=debtor,
        invoice_number="1001",
        register_time=register_time,
    )


@pytest_asyncio.fixture
async def producer_nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await connect_nats(nats_server.url, name="test-invoice-producer")
    await ensure_stream(nc.jetstream(), name=INVOICE_STREAM, subjects=["ropo.invoice.>"])
    try:
        yield nc
    finally:
        await nc.close()


@pytest_asyncio.fixture
async def worker(
    app: AuthorizationApp, nats_server: NatsServer, producer_nc: Client
) -> AsyncIterator[AuthorizationApp]:
    app.settings.nats_url = nats_server.url
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app, stop=stop, signals=(), poll_interval=0.05))
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def table(app: AuthorizationApp, name: str) -> list[dict[str, Any]]:
    async with app.database.session() as session:
        result = await session.execute(sa.text(f"SELECT * FROM {name}"))  # noqa: S608 - fixed names
        return [dict(row) for row in result.mappings()]


async def settled(js: JetStreamContext, delivered: int) -> None:
    """Wait until the consumer has handled (acked or terminated) ``delivered`` messages."""

    async def state() -> tuple[int, int, int]:
        try:
            info = await js.consumer_info(INVOICE_STREAM, INVOICE_CONSUMER)
        except Exception:
            return (-1, -1, -1)
        return (info.delivered.stream_seq, info.num_ack_pending, info.num_pending or 0)

    await eventually(state, lambda s: s == (delivered, 0, 0), within=20)


async def test_same_event_delivered_twice_is_recorded_once(
    worker: AuthorizationApp, producer_nc: Client, in_memory_spans: InMemorySpanExporter
) -> None:
    js = producer_nc.jetstream()
    producer = Producer(js)
    with trace.get_tracer("test").start_as_current_span("import request") as span:
        event_id = await producer.publish(registered("inv-1"))
        # The relay re-publishing after JetStream's duplicate window: a second stream
        # message (new Nats-Msg-Id) with the same event id and the same stored trace context.
        await producer.publish(registered("inv-1"), event_id=event_id, msg_id=str(uuid.uuid4()))
    await settled(js, delivered=2)

    (entry,) = await table(worker, "invoice_ownership")
    assert (entry["invoice"], entry["debtor_party"], entry["creditor"]) == (
        "invoices/inv-1",
        ALICE,
        CREDITOR,
    )
    async with SqlAlchemyUnitOfWork(worker.database, read_only=True) as uow:
        stored = await uow.ownerships.get("invoices/inv-1")
    assert stored is not None
    assert stored.register_time == REGISTERED
    inbox = await table(worker, "inbox")
    assert [(row["consumer"], row["event_id"]) for row in inbox] == [(INVOICE_CONSUMER, event_id)]
    assert await table(worker, "dead_letter") == []

    # The consumer's span joins the trace of the request that produced the event.
    trace_id = span.get_span_context().trace_id

    def processed(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
        return [s for s in spans if s.name == f"process {INVOICE_REGISTERED}"]

    # The ack is sent inside the span: the span may end a moment after the ack lands.
    spans = await finished_spans(in_memory_spans, lambda s: len(processed(s)) == 2)
    process_spans = processed(spans)
    assert all(s.context is not None and s.context.trace_id == trace_id for s in process_spans)


async def test_same_facts_under_a_new_event_id_change_nothing(
    worker: AuthorizationApp, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()
    producer = Producer(js)
    await producer.publish(registered("inv-1"))
    await producer.publish(registered("inv-1"))
    await settled(js, delivered=2)
    assert len(await table(worker, "invoice_ownership")) == 1
    assert len(await table(worker, "inbox")) == 2


@pytest.mark.parametrize(
    "event",
    [
        registered("inv-1", debtor=BOB),  # conflicts with the first registration
        events_pb2.InvoiceRegistered(invoice="invoices/inv-2", debtor_party=ALICE),  # no creditor
        events_pb2.InvoiceRegistered(invoice="not-a-name", creditor=CREDITOR, debtor_party=ALICE),
    ],
    ids=["conflicting-debtor", "missing-creditor", "malformed-invoice"],
)
async def test_conflicting_or_malformed_events_are_dead_lettered(
    worker: AuthorizationApp, producer_nc: Client, event: events_pb2.InvoiceRegistered
) -> None:
    js = producer_nc.jetstream()
    producer = Producer(js)
    await producer.publish(registered("inv-1"))
    bad_id = await producer.publish(event)
    await producer.publish(registered("inv-3"))  # not held up by the bad one
    await settled(js, delivered=3)

    owned = {
        row["invoice"]: row["debtor_party"] for row in await table(worker, "invoice_ownership")
    }
    assert owned == {"invoices/inv-1": ALICE, "invoices/inv-3": ALICE}
    (dead,) = await table(worker, "dead_letter")
    assert (dead["consumer"], dead["event_id"]) == (INVOICE_CONSUMER, bad_id)


async def test_recorded_invoice_is_listed_and_allowed_over_grpc(
    worker: AuthorizationApp, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()
    await Producer(js).publish(registered("inv-9"))
    await settled(js, delivered=1)

    server, channel = await start_server(worker)
    await server.wait_until_ready(worker.readiness)
    try:
        stub = pb_grpc.AuthorizationServiceStub(channel)
        listed = await stub.ListAccessibleInvoices(
            authorization_service_pb2.ListAccessibleInvoicesRequest(subject=ALICE)
        )
        assert [(e.invoice, e.reason) for e in listed.accessible_invoices] == [
            ("invoices/inv-9", access_pb2.ACCESS_REASON_OWN)
        ]
        check = await stub.CheckAccess(
            authorization_service_pb2.CheckAccessRequest(
                subject=ALICE, invoice="invoices/inv-9", action=access_pb2.ACTION_VIEW
            )
        )
        assert check.allowed
    finally:
        await channel.close()
        await server.stop(grace=0.5)


async def test_worker_provisions_its_own_stream(
    worker: AuthorizationApp, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()

    async def subjects() -> list[str]:
        try:
            return list((await js.stream_info(STREAM)).config.subjects or [])
        except Exception:
            return []

    assert await eventually(subjects, bool) == ["ropo.authorization.>"]
