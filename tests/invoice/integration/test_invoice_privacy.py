"""No henkilötunnus in logs, spans, events or errors of the invoice service.

The platform masks anything hetu-shaped in logs and exported spans as a last line
of defence; these tests check that the service never even tries: neither the
code nor its mask appears anywhere.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import grpc
import grpc.aio
import pytest
from invoice_server_support import RunningServer
from invoice_support import HETU_2000S, HETU_MAIJA, HETU_MATTI, finvoice_xml
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from ropo.invoice.v1 import invoice_service_pb2 as pb
from ropo_platform.logging import configure_logging
from ropo_platform.redaction import MASK

HETUS = (HETU_MATTI, HETU_MAIJA, HETU_2000S)
MISTYPED = HETU_MATTI[:-1] + "X"


@pytest.fixture
def log_buffer() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    configure_logging("invoice", "DEBUG", "json", stream=buffer)
    yield buffer


async def test_no_henkilotunnus_in_logs_spans_or_errors(
    running: RunningServer, log_buffer: io.StringIO, in_memory_spans: InMemorySpanExporter
) -> None:
    stub = running.stub
    for number, hetu in (("1", HETU_MATTI), ("2", HETU_MAIJA)):
        await stub.ImportFinvoice(
            pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(number=number, buyer_id=hetu))
        )
    errors: list[str] = []
    for bad in (
        finvoice_xml(number="3", buyer_id=MISTYPED),
        finvoice_xml(buyer_id=HETU_2000S)[:80],
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.ImportFinvoice(pb.ImportFinvoiceRequest(finvoice_xml=bad))
        errors.append(str(raised.value.details()))
        errors.extend(str(value) for _, value in raised.value.trailing_metadata() or ())

    async def items() -> AsyncIterator[pb.ImportInvoicesRequest]:
        yield pb.ImportInvoicesRequest(finvoice_xml=finvoice_xml(number="4", buyer_id=HETU_2000S))
        yield pb.ImportInvoicesRequest(finvoice_xml=finvoice_xml(number="5", buyer_id=MISTYPED))

    bulk = await stub.ImportInvoices(items())
    errors.append(str(bulk))

    listed = await stub.ListInvoices(
        pb.ListInvoicesRequest(names=[r.invoice for r in bulk.results if r.invoice])
    )
    errors.append(str(listed))

    logs = log_buffer.getvalue()
    assert "ImportFinvoice" in logs  # the access log was captured
    spans = in_memory_spans.get_finished_spans()
    assert spans
    span_text = "\n".join(
        f"{span.name} {dict(span.attributes or {})} "
        f"{[dict(event.attributes or {}) for event in span.events]}"
        for span in spans
    )
    for text, where in ((logs, "logs"), (span_text, "spans"), ("\n".join(errors), "errors")):
        for hetu in (*HETUS, MISTYPED):
            assert hetu not in text, f"a henkilötunnus reached the {where}"
        assert MASK not in text, f"something hetu-shaped reached the {where} (masked)"
