"""Payment monitoring after a court judgment, through the real gRPC server on a real
database (SQLite, and PostgreSQL when configured): only from collection, the letter
naming the judgment, the open amount and the pay-by date, the timeline, idempotent
retries and every bad request refused with field violations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest_asyncio
from google.type import date_pb2
from invoice_server_support import RunningServer, SettableClock, running_server
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2, invoice_service_pb2, letter_pb2
from test_dispute_grpc import (
    DISPUTE_TEST_START,
    call_error,
    euros,
    get,
    import_invoice,
    pdf_text,
    timeline,
)

pb = invoice_service_pb2
Event = invoice_event_pb2.InvoiceEvent
DUE = date(2026, 9, 15)
AGENT = "staffUsers/anna"
REFERENCE = "Helsingin käräjäoikeus L 27/1234"


def on(days_after_due: int) -> datetime:
    day = DUE + timedelta(days=days_after_due)
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def proto_date(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


@pytest_asyncio.fixture
async def service(migrated_url: str) -> AsyncIterator[tuple[RunningServer, SettableClock]]:
    clock = SettableClock(DISPUTE_TEST_START)
    async with running_server(migrated_url, clock) as running:
        yield running, clock


async def in_collection(running: RunningServer, clock: SettableClock, number: str) -> str:
    """An invoice taken to collection by the real run: a reminder, then a payment demand."""
    name = (await import_invoice(running, number=number)).name
    for days in (15, 30):
        clock.now = on(days)
        await running.app.collection.run_once()
    assert (await get(running, name)).state == invoice_pb2.Invoice.STATE_COLLECTION
    return name


def start(name: str, **fields: object) -> pb.StartPaymentMonitoringRequest:
    values: dict[str, object] = {
        "invoice": name,
        "actor": AGENT,
        "judgment_date": proto_date(on(50).date()),
        "judgment_reference": REFERENCE,
    }
    values.update(fields)
    return pb.StartPaymentMonitoringRequest(**values)  # type: ignore[arg-type]


async def test_monitoring_starts_with_a_letter_naming_the_judgment(
    service: tuple[RunningServer, SettableClock],
) -> None:
    running, clock = service
    name = await in_collection(running, clock, "M1")
    clock.now = on(60)
    request = start(name, request_id="3e4f1a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b")
    response = await running.stub.StartPaymentMonitoring(request)
    invoice, letter = response.invoice, response.letter
    assert invoice.state == invoice_pb2.Invoice.STATE_PAYMENT_MONITORING
    assert invoice.display_status == "Maksuvalvonta"
    assert letter.type == letter_pb2.LETTER_TYPE_PAYMENT_MONITORING_LETTER
    assert letter.title == "Maksuvalvontakirje" and letter.name.startswith(f"{name}/letters/")
    assert letter.channel == letter_pb2.LETTER_CHANNEL_PAPER
    pay_by = on(74).date()
    assert (letter.due_date.year, letter.due_date.month, letter.due_date.day) == (
        pay_by.year,
        pay_by.month,
        pay_by.day,
    )

    again = await running.stub.StartPaymentMonitoring(request)
    assert again.letter.name == letter.name

    document = await running.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=name, letter=letter.name)
    )
    text = pdf_text(document.content)
    judged = on(50).date()
    assert f"{judged.day}.{judged.month}.{judged.year}" in text and REFERENCE in text
    assert f"{pay_by.day}.{pay_by.month}.{pay_by.year}" in text
    open_amount = euros(invoice.open_amount).format("fi").replace("\xa0", " ")
    assert open_amount in text and "Maksuvalvontakirje" in text

    events = await timeline(running, name)
    stage_changes = [e for e in events if e.type == Event.TYPE_STAGE_CHANGED]
    assert stage_changes[-1].title == "Maksuvalvonta"
    letters = [e for e in events if e.type == Event.TYPE_LETTER_SENT]
    assert [e.title for e in letters] == ["Maksumuistutus", "Maksuvaatimus", "Maksuvalvontakirje"]
    assert letters[-1].letter == letter.name

    # Monitoring sends no further collection letters by itself.
    clock.now = on(120)
    summary = await running.app.collection.run_once()
    assert summary.letters == 0
    assert (await get(running, name)).state == invoice_pb2.Invoice.STATE_PAYMENT_MONITORING

    twice = await call_error(running.stub.StartPaymentMonitoring(start(name)))
    assert twice.code == grpc.StatusCode.FAILED_PRECONDITION


async def test_only_an_invoice_in_collection_goes_to_monitoring(
    service: tuple[RunningServer, SettableClock],
) -> None:
    running, _clock = service
    name = (await import_invoice(running, number="M2")).name
    error = await call_error(running.stub.StartPaymentMonitoring(start(name)))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "INVALID_STAGE_TRANSITION"
    assert (await get(running, name)).state == invoice_pb2.Invoice.STATE_INVOICE


async def test_bad_requests_name_every_field_and_change_nothing(
    service: tuple[RunningServer, SettableClock],
) -> None:
    running, clock = service
    name = await in_collection(running, clock, "M3")
    clock.now = on(60)
    error = await call_error(
        running.stub.StartPaymentMonitoring(
            pb.StartPaymentMonitoringRequest(
                request_id="nope",
                invoice="laskut/1",
                actor="persons/" + "a" * 32,
                judgment_date=date_pb2.Date(year=2026, month=2, day=30),
                judgment_reference="K" * 201,
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in error.field_violations} == {
        "request_id",
        "invoice",
        "actor",
        "judgment_date",
        "judgment_reference",
    }
    missing = await call_error(
        running.stub.StartPaymentMonitoring(
            pb.StartPaymentMonitoringRequest(invoice=name, actor=AGENT, judgment_reference=" ")
        )
    )
    assert {v.field: v.description for v in missing.field_violations} == {
        "judgment_date": "is required",
        "judgment_reference": "is required",
    }
    future = await call_error(
        running.stub.StartPaymentMonitoring(start(name, judgment_date=proto_date(on(61).date())))
    )
    assert future.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field: v.description for v in future.field_violations} == {
        "judgment_date": "cannot be in the future"
    }
    assert (await get(running, name)).state == invoice_pb2.Invoice.STATE_COLLECTION
