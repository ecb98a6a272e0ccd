"""Disputes through the real gRPC server on a real database (SQLite, and PostgreSQL when
configured): every RPC, the files kept as uploaded, idempotent retries, the agent's
decision reaching the debtor as a letter, and every kind of bad request refused with
field violations and nothing stored."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from google.type import money_pb2
from invoice_server_support import (
    RunningServer,
    SettableClock,
    running_server,
)
from invoice_support import finvoice_xml
from PIL import Image
from pypdf import PdfReader, PdfWriter
from ropo.invoice.v1 import (
    dispute_pb2,
    invoice_event_pb2,
    invoice_pb2,
    invoice_service_pb2,
    letter_pb2,
)
from ropo_platform.money import Money
from ropo_platform.rpc import RpcError

pb = invoice_service_pb2
State = dispute_pb2.Dispute.State
Event = invoice_event_pb2.InvoiceEvent
DEBTOR = "persons/" + "a" * 32
AGENT = "staffUsers/anna"
REQUEST_ID = "7c1f3c38-3f7b-4f57-9d0e-6a1d7c2a5b90"


#: Five days after the due date of the invoices these tests import.
DISPUTE_TEST_START = datetime(2026, 9, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(DISPUTE_TEST_START)


@pytest_asyncio.fixture
async def service(migrated_url: str, clock: SettableClock) -> AsyncIterator[RunningServer]:
    async with running_server(migrated_url, clock) as running:
        yield running


# --------------------------------------------------------------------------- helpers


def pdf_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_file(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buffer, format=format_)
    return buffer.getvalue()


def attachment(filename: str, media_type: str, content: bytes) -> dispute_pb2.DisputeAttachment:
    return dispute_pb2.DisputeAttachment(filename=filename, media_type=media_type, content=content)


def eur(amount: str) -> money_pb2.Money:
    units, _, cents = amount.partition(".")
    return money_pb2.Money(
        currency_code="EUR", units=int(units), nanos=int((cents or "0").ljust(2, "0")) * 10**7
    )


def euros(message: money_pb2.Money) -> Money:
    return Money.from_units_nanos(message.units, message.nanos, message.currency_code)


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\xa0", " ").split())


async def call_error(call: object) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return RpcError.from_aio(raised.value)


async def import_invoice(
    service: RunningServer, number: str = "1001", total: str = "124,00"
) -> invoice_pb2.Invoice:
    response = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(
            finvoice_xml=finvoice_xml(number=number, total=total, instructed=total)
        )
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def get(service: RunningServer, name: str) -> invoice_pb2.Invoice:
    response = await service.stub.GetInvoice(
        pb.GetInvoiceRequest(name=name, view=pb.INVOICE_VIEW_FULL)
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def timeline(service: RunningServer, name: str) -> list[invoice_event_pb2.InvoiceEvent]:
    response = await service.stub.ListInvoiceEvents(pb.ListInvoiceEventsRequest(invoice=name))
    return list(response.invoice_events)


async def dispute(service: RunningServer, invoice: str, **fields: Any) -> pb.DisputeInvoiceResponse:
    fields.setdefault("reason", "En ole tilannut tätä.")
    request = pb.DisputeInvoiceRequest(invoice=invoice, actor=DEBTOR, **fields)
    response: pb.DisputeInvoiceResponse = await service.stub.DisputeInvoice(request)
    return response


async def resolve(
    service: RunningServer,
    name: str,
    outcome: pb.DisputeOutcome.ValueType,
    message: str = "Päätös.",
    **fields: Any,
) -> pb.ResolveDisputeResponse:
    request = pb.ResolveDisputeRequest(
        name=name, actor=AGENT, outcome=outcome, message=message, **fields
    )
    response: pb.ResolveDisputeResponse = await service.stub.ResolveDispute(request)
    return response


async def all_disputes(service: RunningServer) -> list[dispute_pb2.Dispute]:
    response = await service.stub.ListDisputes(pb.ListDisputesRequest())
    return list(response.disputes)


# ----------------------------------------------------------------------------- tests


async def test_dispute_with_files_then_a_partial_acceptance(
    service: RunningServer, clock: SettableClock
) -> None:
    invoice = await import_invoice(service)
    pdf, png = pdf_file(), image_file("PNG")
    files = [
        attachment("kuitti.pdf", "application/pdf", pdf),
        attachment("valokuva.png", "image/png", png),
    ]
    request = pb.DisputeInvoiceRequest(
        request_id=REQUEST_ID,
        invoice=invoice.name,
        actor=DEBTOR,
        disputed_amount=eur("24.00"),
        reason="Palautin tuotteen 1.9.",
        attachments=files,
    )
    made = await service.stub.DisputeInvoice(request)
    opened = made.dispute
    assert opened.name.startswith(f"{invoice.name}/disputes/")
    assert opened.state == State.STATE_OPEN
    assert euros(opened.disputed_amount) == Money.eur("24.00")
    assert (opened.reason, opened.disputer) == ("Palautin tuotteen 1.9.", DEBTOR)
    assert list(opened.attachment_filenames) == ["kuitti.pdf", "valokuva.png"]
    assert list(opened.attachment_media_types) == ["application/pdf", "image/png"]
    assert list(opened.attachment_sizes) == [len(pdf), len(png)]
    assert not opened.HasField("resolve_time") and not opened.HasField("credited_amount")
    assert made.invoice.state == invoice_pb2.Invoice.STATE_DISPUTED
    assert made.invoice.dispute.name == opened.name

    # A retry with the same request id answers the same dispute and stores nothing new.
    again = await service.stub.DisputeInvoice(request)
    assert again.dispute.name == opened.name
    assert [d.name for d in await all_disputes(service)] == [opened.name]

    shown = await get(service, invoice.name)
    assert shown.state == invoice_pb2.Invoice.STATE_DISPUTED
    assert shown.dispute.name == opened.name and shown.display_status == "Riitautettu"
    default = await service.stub.GetInvoice(pb.GetInvoiceRequest(name=invoice.name))
    assert default.invoice.dispute.name == opened.name  # GetInvoice defaults to the full view
    for view, shown_name in ((pb.INVOICE_VIEW_FULL, opened.name), (pb.INVOICE_VIEW_BASIC, "")):
        listed = await service.stub.ListInvoices(
            pb.ListInvoicesRequest(names=[invoice.name], view=view)
        )
        assert [i.dispute.name for i in listed.invoices] == [shown_name]

    for index, expected in enumerate(files):
        fetched = await service.stub.GetDisputeAttachment(
            pb.GetDisputeAttachmentRequest(dispute=opened.name, index=index)
        )
        assert fetched.attachment == expected
    missing = await call_error(
        service.stub.GetDisputeAttachment(
            pb.GetDisputeAttachmentRequest(dispute=opened.name, index=2)
        )
    )
    assert missing.code == grpc.StatusCode.NOT_FOUND and missing.reason == "DISPUTE_NOT_FOUND"

    second = await call_error(dispute(service, invoice.name))
    assert second.code == grpc.StatusCode.FAILED_PRECONDITION
    assert second.reason == "DISPUTE_ALREADY_OPEN"

    clock.now = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    message = "Hyvitämme 20,00 euroa.\n\nLoput laskusta on maksettava."
    decided = await resolve(
        service,
        opened.name,
        pb.DISPUTE_OUTCOME_PARTIALLY_ACCEPTED,
        message,
        credited_amount=eur("20.00"),
        request_id="b0c2f0e4-22a5-4a3f-8b6e-0f4e2d9a7c31",
    )
    resolved = decided.dispute
    assert resolved.state == State.STATE_PARTIALLY_ACCEPTED
    assert euros(resolved.credited_amount) == Money.eur("20.00")
    assert (resolved.resolver, resolved.resolution_message) == (AGENT, message)
    assert resolved.resolve_time.ToDatetime(tzinfo=UTC) == clock.now
    after = decided.invoice
    assert after.state == invoice_pb2.Invoice.STATE_INVOICE
    assert euros(after.open_capital) == Money.eur("104.00")

    events = await timeline(service, invoice.name)
    types = [event.type for event in events]
    assert Event.TYPE_DISPUTED in types and Event.TYPE_DISPUTE_RESOLVED in types
    (disputed,) = [e for e in events if e.type == Event.TYPE_DISPUTED]
    assert disputed.title == "Laskusta reklamoitu"
    assert euros(disputed.amount) == Money.eur("24.00")
    (decision,) = [e for e in events if e.type == Event.TYPE_DISPUTE_RESOLVED]
    assert (decision.title, decision.description) == (
        "Reklamaatio käsitelty",
        "Hyväksytty osittain",
    )
    assert euros(decision.amount) == Money.eur("20.00")
    assert decision.letter.startswith(f"{invoice.name}/letters/")

    # The agent's words reach the debtor: a letter kept as sent, in the message centre.
    document = await service.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=invoice.name, letter=decision.letter)
    )
    text = pdf_text(document.content)
    assert "Asiakaspalvelun viesti" in text and "Hyvitämme 20,00 euroa." in text
    assert "Loput laskusta on maksettava." in text and invoice.invoice_number in text
    letters = await service.stub.ListLetters(pb.ListLettersRequest(invoice=invoice.name))
    (customer_message,) = [
        x for x in letters.letters if x.type == letter_pb2.LETTER_TYPE_CUSTOMER_SERVICE_MESSAGE
    ]
    assert customer_message.name == decision.letter and customer_message.body == message

    replayed = await resolve(
        service,
        opened.name,
        pb.DISPUTE_OUTCOME_PARTIALLY_ACCEPTED,
        message,
        credited_amount=eur("20.00"),
        request_id="b0c2f0e4-22a5-4a3f-8b6e-0f4e2d9a7c31",
    )
    assert replayed.dispute == resolved
    assert len(await timeline(service, invoice.name)) == len(events)

    finished = await call_error(resolve(service, opened.name, pb.DISPUTE_OUTCOME_REJECTED))
    assert finished.code == grpc.StatusCode.FAILED_PRECONDITION
    assert finished.reason == "DISPUTE_NOT_OPEN"


async def test_accepting_a_whole_dispute_credits_the_invoice(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    made = await dispute(service, invoice.name)
    # Interest up to the day before the dispute was charged; all of it is credited.
    open_amount = euros(made.invoice.open_amount)
    assert open_amount > Money.eur("124.00")
    decided = await resolve(service, made.dispute.name, pb.DISPUTE_OUTCOME_ACCEPTED, "Hyvitetty.")
    assert decided.dispute.state == State.STATE_ACCEPTED
    assert euros(decided.dispute.credited_amount) == open_amount
    assert decided.invoice.state == invoice_pb2.Invoice.STATE_CREDITED
    assert euros(decided.invoice.open_amount).is_zero()
    closed = await call_error(dispute(service, invoice.name))
    assert closed.code == grpc.StatusCode.FAILED_PRECONDITION
    assert closed.reason == "INVOICE_NOT_OPEN"


async def test_list_disputes_pages_and_filters(
    service: RunningServer, clock: SettableClock
) -> None:
    names = []
    for number in ("L1", "L2", "L3"):
        invoice = await import_invoice(service, number=number)
        clock.now = clock.now.replace(minute=clock.now.minute + 1)
        names.append((invoice.name, (await dispute(service, invoice.name)).dispute.name))
    await resolve(service, names[0][1], pb.DISPUTE_OUTCOME_REJECTED)

    seen: list[str] = []
    token = ""
    while True:
        page = await service.stub.ListDisputes(
            pb.ListDisputesRequest(page_size=2, page_token=token)
        )
        seen += [d.name for d in page.disputes]
        token = page.next_page_token
        if not token:
            break
    assert seen == [name for _, name in reversed(names)]
    waiting = await service.stub.ListDisputes(pb.ListDisputesRequest(states=[State.STATE_OPEN]))
    assert [d.name for d in waiting.disputes] == [names[2][1], names[1][1]]
    rejected = await service.stub.ListDisputes(
        pb.ListDisputesRequest(invoice=names[0][0], states=[State.STATE_REJECTED])
    )
    assert [d.name for d in rejected.disputes] == [names[0][1]]

    first = await service.stub.ListDisputes(pb.ListDisputesRequest(page_size=1))
    foreign = await call_error(
        service.stub.ListDisputes(
            pb.ListDisputesRequest(states=[State.STATE_OPEN], page_token=first.next_page_token)
        )
    )
    assert foreign.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in foreign.field_violations] == ["page_token"]
    bad = await call_error(
        service.stub.ListDisputes(
            pb.ListDisputesRequest(
                page_size=-1, invoice="laskut/1", states=[State.STATE_UNSPECIFIED]
            )
        )
    )
    assert {v.field for v in bad.field_violations} == {"page_size", "invoice", "states[0]"}


BIG = 5 * 1024 * 1024 + 1


@pytest.mark.parametrize(
    ("files", "violations"),
    [
        (
            [attachment("kuva.gif", "image/gif", b"GIF89a\x01\x00\x01\x00")],
            {"attachments[0].media_type": "must be one of application/pdf, image/jpeg, image/png"},
        ),
        (
            [attachment("iso.pdf", "application/pdf", b"%PDF-" + b"0" * BIG)],
            {"attachments[0].content": "is larger than 5 MiB (5242880 bytes)"},
        ),
        (
            [attachment("rikki.pdf", "application/pdf", b"%PDF-1.7\nthis is no pdf\n%%EOF")],
            {"attachments[0].content": "is a damaged PDF that cannot be opened"},
        ),
        (
            [
                attachment("ok.pdf", "application/pdf", pdf_file()),
                attachment("kuva.jpg", "image/jpeg", image_file("PNG")),
            ],
            {"attachments[1].media_type": "does not match the file, which is a PNG image"},
        ),
        (
            [attachment("../kuitti.pdf", "application/pdf", pdf_file())],
            {"attachments[0].filename": "must be a file name without a folder (no / or \\)"},
        ),
        (
            [attachment(f"{n}.png", "image/png", image_file("PNG")) for n in range(6)],
            {"attachments": "must be at most 5 files"},
        ),
    ],
    ids=["wrong-type", "oversize", "malformed-pdf", "declared-type-differs", "path", "too-many"],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    service: RunningServer,
    files: list[dispute_pb2.DisputeAttachment],
    violations: dict[str, str],
) -> None:
    invoice = await import_invoice(service)
    error = await call_error(dispute(service, invoice.name, attachments=files))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field: v.description for v in error.field_violations} == violations
    assert await all_disputes(service) == []
    assert (await get(service, invoice.name)).state == invoice_pb2.Invoice.STATE_INVOICE


async def test_bad_requests_name_every_field(service: RunningServer, clock: SettableClock) -> None:
    clock.now = datetime(2026, 9, 10, 8, 0, tzinfo=UTC)  # before the due date: no interest
    invoice = await import_invoice(service)
    error = await call_error(
        service.stub.DisputeInvoice(
            pb.DisputeInvoiceRequest(
                request_id="not-a-uuid",
                invoice="laskut/1",
                actor="010190-900P",
                disputed_amount=money_pb2.Money(currency_code="EUR", units=-1),
                reason="x" * 2001,
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field: v.description for v in error.field_violations}
    assert set(fields) == {"request_id", "invoice", "actor", "disputed_amount", "reason"}
    assert all("010190" not in description for description in fields.values())

    too_much = await call_error(dispute(service, invoice.name, disputed_amount=eur("124.01")))
    assert too_much.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field: v.description for v in too_much.field_violations} == {
        "disputed_amount": "must be at most the open amount (124.00 EUR)"
    }
    assert await all_disputes(service) == []

    opened = (await dispute(service, invoice.name, disputed_amount=eur("24.00"))).dispute
    wrong = await call_error(
        service.stub.ResolveDispute(
            pb.ResolveDisputeRequest(name="invoices/x", actor=DEBTOR, message="")
        )
    )
    assert {v.field for v in wrong.field_violations} == {"name", "actor", "outcome", "message"}
    partial = await call_error(resolve(service, opened.name, pb.DISPUTE_OUTCOME_PARTIALLY_ACCEPTED))
    assert {v.field: v.description for v in partial.field_violations} == {
        "credited_amount": "is required for a partial acceptance"
    }
    over = await call_error(
        resolve(
            service,
            opened.name,
            pb.DISPUTE_OUTCOME_PARTIALLY_ACCEPTED,
            credited_amount=eur("24.01"),
        )
    )
    assert {v.field: v.description for v in over.field_violations} == {
        "credited_amount": "must be at most the disputed amount (24.00 EUR)"
    }
    unknown = await call_error(
        resolve(service, f"{invoice.name}/disputes/nope", pb.DISPUTE_OUTCOME_REJECTED)
    )
    assert unknown.code == grpc.StatusCode.NOT_FOUND
    (still,) = await all_disputes(service)
    assert still.state == State.STATE_OPEN
    attachment_error = await call_error(
        service.stub.GetDisputeAttachment(pb.GetDisputeAttachmentRequest(dispute="x", index=-1))
    )
    assert {v.field for v in attachment_error.field_violations} == {"dispute", "index"}


async def test_two_disputes_at_once_make_one(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    outcomes = await asyncio.gather(
        dispute(service, invoice.name, reason="Ensimmäinen."),
        dispute(service, invoice.name, reason="Toinen."),
        return_exceptions=True,
    )
    made = [o for o in outcomes if isinstance(o, pb.DisputeInvoiceResponse)]
    refused = [RpcError.from_aio(o) for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(made) == 1 and [e.reason for e in refused] == ["DISPUTE_ALREADY_OPEN"]
    assert [d.name for d in await all_disputes(service)] == [made[0].dispute.name]


async def test_disputes_made_in_the_same_instant_page_without_gaps(
    service: RunningServer,
) -> None:
    made = set()
    for number in ("S1", "S2", "S3"):
        invoice = await import_invoice(service, number=number)
        made.add((await dispute(service, invoice.name)).dispute.name)
    seen: list[str] = []
    token = ""
    while True:
        request = pb.ListDisputesRequest(page_size=1, page_token=token)
        page = await service.stub.ListDisputes(request)
        seen += [d.name for d in page.disputes]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == 3 and set(seen) == made
    ids = [name.rpartition("/")[2] for name in seen]
    assert ids == sorted(ids, reverse=True)  # the same instant: by id, descending
