"""The worker role against a real nats-server: stream provisioning and publication of
``invoice_registered`` with its CloudEvents headers."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from invoice_server_support import invoice_settings
from invoice_support import HETU_MATTI, finvoice_xml
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from ropo.invoice.v1 import events_pb2
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.entrypoints.worker import STREAM, run_worker
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_platform.testing import NatsServer, eventually
from sqlalchemy import text


async def test_worker_publishes_invoice_registered(
    migrated_url: str, nats_server: NatsServer, in_memory_spans: InMemorySpanExporter
) -> None:
    app: InvoiceApp = bootstrap(invoice_settings(migrated_url, nats_url=nats_server.url))
    # Written while no worker runs: commands never need NATS; the outbox keeps the event.
    # Not yet due: the worker's collection run leaves them alone, so the stream holds
    # exactly the two registrations.
    not_due = "20991215"
    before = await app.handlers.import_finvoice(
        ImportFinvoice(finvoice_xml(number="1", due_date=not_due))
    )

    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(app, stop=stop, signals=(), poll_interval=0.05))
    nc = await nats.connect(nats_server.url)
    try:
        with trace.get_tracer("test").start_as_current_span("import request") as span:
            after = await app.handlers.import_finvoice(
                ImportFinvoice(finvoice_xml(number="2", due_date=not_due))
            )
        trace_id = format(span.get_span_context().trace_id, "032x")

        js = nc.jetstream()

        async def stored() -> int:
            try:
                return int((await js.stream_info(STREAM)).state.messages)
            except Exception:
                return -1

        await eventually(stored, lambda count: count == 2, within=15)
        messages: list[Any] = [await js.get_msg(STREAM, seq) for seq in (1, 2)]
        published = {m.headers["ce-subject"]: m for m in messages}
        assert set(published) == {before.invoice.resource_name, after.invoice.resource_name}

        for message in messages:
            headers = message.headers
            assert message.subject == "ropo.invoice.v1.invoice_registered"
            assert headers["ce-type"] == "ropo.invoice.v1.invoice_registered"
            assert headers["ce-specversion"] == "1.0"
            assert headers["ce-source"] == "/ropo/invoice"
            assert headers["ce-datacontenttype"] == "application/protobuf"
            assert headers["Nats-Msg-Id"] == headers["ce-id"]
            assert headers["ce-time"].endswith("Z")
            assert HETU_MATTI.encode() not in message.data
            assert all(HETU_MATTI not in value for value in headers.values())
            body = events_pb2.InvoiceRegistered.FromString(message.data)
            assert body.invoice == headers["ce-subject"]
            assert body.debtor_party.startswith("persons/")

        # The trace context captured with the outbox row travels to the consumers.
        assert trace_id in published[after.invoice.resource_name].headers["traceparent"]

        async def unsent() -> int:
            async with app.database.session() as session:
                result = await session.execute(
                    text("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
                )
                return int(result.scalar_one())

        await eventually(unsent, lambda count: count == 0, within=10)
    finally:
        await nc.close()
        stop.set()
        await asyncio.wait_for(worker, timeout=15)
        await app.close()
