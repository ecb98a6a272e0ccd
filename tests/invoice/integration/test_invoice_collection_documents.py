"""The real service on a real database with a settable clock: the collection run,
the letters it keeps, invoice images, original PDFs and credit notes over gRPC."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from invoice_server_support import (
    RunningServer,
    SettableClock,
    running_server,
)
from invoice_support import finvoice_xml
from pypdf import PdfReader
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2, invoice_service_pb2

pb = invoice_service_pb2
Event = invoice_event_pb2.InvoiceEvent


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))


@pytest_asyncio.fixture
async def service(migrated_url: str, clock: SettableClock) -> AsyncIterator[RunningServer]:
    async with running_server(migrated_url, clock) as running:
        yield running


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_overdue_invoice_gets_a_reminder_kept_as_a_letter(
    service: RunningServer, clock: SettableClock
) -> None:
    imported = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(due_date="20260915"))
    )
    name = imported.invoice.name

    clock.now = datetime(2026, 9, 29, 6, 0, tzinfo=UTC)  # 14 days after the due date
    await service.app.collection.run_once()
    unchanged = (await service.stub.GetInvoice(pb.GetInvoiceRequest(name=name))).invoice
    assert unchanged.state == invoice_pb2.Invoice.STATE_INVOICE

    clock.now = datetime(2026, 9, 30, 6, 0, tzinfo=UTC)  # more than 14 days: day 15
    summary = await service.app.collection.run_once()
    assert summary.letters == 1
    again = await service.app.collection.run_once()
    assert again.letters == 0  # one letter a day at most, and the next only > 14 days later

    invoice = (await service.stub.GetInvoice(pb.GetInvoiceRequest(name=name))).invoice
    assert invoice.state == invoice_pb2.Invoice.STATE_REMINDER
    assert invoice.display_status == "Maksumuistutus"
    fees = [
        c
        for c in invoice.ledger_components
        if c.type == invoice_pb2.LEDGER_COMPONENT_TYPE_REMINDER_FEE
    ]
    assert [(fee.amount.units, fee.amount.nanos) for fee in fees] == [(5, 0)]
    assert any(
        c.type == invoice_pb2.LEDGER_COMPONENT_TYPE_PENALTY_INTEREST
        for c in invoice.ledger_components
    )
    assert len(invoice.virtual_bank_barcode) == 54

    events = (
        await service.stub.ListInvoiceEvents(pb.ListInvoiceEventsRequest(invoice=name))
    ).invoice_events
    types = [event.type for event in events]
    assert types[0] == Event.TYPE_IMPORTED
    assert Event.TYPE_STAGE_CHANGED in types and Event.TYPE_INTEREST_CHARGED in types
    (letter_event,) = [event for event in events if event.type == Event.TYPE_LETTER_SENT]
    assert letter_event.title == "Maksumuistutus"
    assert letter_event.letter.startswith(f"{name}/letters/")

    letter = await service.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=name, letter=letter_event.letter)
    )
    assert letter.media_type == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    text = pdf_text(letter.content)
    assert "Maksumuistutus" in text and imported.invoice.invoice_number in text


async def test_invoice_image_is_rendered_or_the_original(service: RunningServer) -> None:
    rendered = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(number="IMG-1"))
    )
    image = await service.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=rendered.invoice.name, language_code="sv")
    )
    assert (image.media_type, image.original) == ("application/pdf", False)
    assert image.filename == "lasku-IMG-1.pdf"
    text = pdf_text(image.content)
    assert "IMG-1" in text and "Testi-yritys Oy" in text and "Faktura" in text

    original_pdf = b"%PDF-1.4\n% the creditor's own invoice\n%%EOF\n"
    with_original = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(
            finvoice_xml=finvoice_xml(number="IMG-2"),
            original_document=original_pdf,
            original_document_media_type="application/pdf",
        )
    )
    original = await service.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=with_original.invoice.name)
    )
    assert (original.content, original.original) == (original_pdf, True)

    with pytest.raises(grpc.aio.AioRpcError) as not_pdf:
        await service.stub.ImportFinvoice(
            pb.ImportFinvoiceRequest(
                finvoice_xml=finvoice_xml(number="IMG-3"),
                original_document=b"GIF89a",
                original_document_media_type="image/gif",
            )
        )
    assert not_pdf.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_credit_note_reduces_the_original_invoice(service: RunningServer) -> None:
    invoice = (
        await service.stub.ImportFinvoice(
            pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(number="CR-1", total="124,00"))
        )
    ).invoice
    credit_note = credit_note_xml(number="HY-1", original="CR-1", amount="-24,00")
    credited = await service.stub.ImportFinvoice(pb.ImportFinvoiceRequest(finvoice_xml=credit_note))
    assert credited.invoice.name == invoice.name
    assert credited.created
    assert (credited.invoice.open_amount.units, credited.invoice.capital.units) == (100, 124)
    replay = await service.stub.ImportFinvoice(pb.ImportFinvoiceRequest(finvoice_xml=credit_note))
    assert not replay.created and replay.invoice.open_amount.units == 100

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await service.stub.ImportFinvoice(
            pb.ImportFinvoiceRequest(
                finvoice_xml=credit_note_xml(number="HY-2", original="NOPE", amount="-1,00")
            )
        )
    assert unknown.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def credit_note_xml(*, number: str, original: str, amount: str) -> bytes:
    """A credit note in the project's own test Finvoice (INV02 with OriginalInvoiceNumber)."""
    xml = finvoice_xml(number=number, type_code="INV02", total=amount, instructed=amount, rows=())
    return xml.replace(
        b"<InvoiceNumber>",
        f"<OriginalInvoiceNumber>{original}</OriginalInvoiceNumber><InvoiceNumber>".encode(),
        1,
    )
