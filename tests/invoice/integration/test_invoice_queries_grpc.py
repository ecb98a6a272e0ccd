"""The real gRPC server: Ropo One search, *Hae lasku* lookups and the status timeline."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from invoice_server_support import RunningServer, invoice_settings, start_server
from invoice_support import BUYER_COMPANY_ID, HETU_MAIJA, finvoice_xml
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2, invoice_service_pb2
from ropo.invoice.v1 import invoice_service_pb2_grpc as pb_grpc
from ropo_invoice.bootstrap import bootstrap
from ropo_platform.rpc import RpcError

pb = invoice_service_pb2
State = invoice_pb2.Invoice


async def import_one(running: RunningServer, **changes: object) -> invoice_pb2.Invoice:
    response = await running.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(**changes))
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def failure(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def search(running: RunningServer, **fields: object) -> list[str]:
    response = await running.stub.SearchInvoices(pb.SearchInvoicesRequest(**fields))  # type: ignore[arg-type]
    return [invoice.invoice_number for invoice in response.invoices]


# ------------------------------------------------------------------------------- search


async def test_staff_search_by_each_criterion(running: RunningServer) -> None:
    first = await import_one(
        running, number="A-1", buyer_name="Maija Mallikas", buyer_id=HETU_MAIJA
    )
    await import_one(running, number="A-2", reference="1245", due_date="20261001")
    await import_one(
        running,
        number="B-1",
        buyer_id=BUYER_COMPANY_ID,
        buyer_name="Yritys X Oy",
        postal_code="33100",
    )
    assert await search(running, case_number=first.case_number) == ["A-1"]
    spaced = " ".join(first.case_number[i : i + 4] for i in range(0, 12, 4))
    assert await search(running, case_number=spaced) == ["A-1"]
    assert await search(running, invoice_number="A-2") == ["A-2"]
    assert await search(running, reference="12 45") == ["A-2"]
    assert await search(running, debtor_name="mallikas") == ["A-1"]
    # Free text reaches the debtor's name and the case number too (staff scope).
    assert await search(running, query="yritys x") == ["B-1"]
    assert await search(running, query=first.case_number[:6]) == ["A-1"]
    assert sorted(await search(running, open_only=True)) == ["A-1", "A-2", "B-1"]
    assert sorted(await search(running, states=[State.STATE_INVOICE])) == ["A-1", "A-2", "B-1"]
    assert await search(running, states=[State.STATE_PAID]) == []
    assert sorted(await search(running, creditor=first.creditor)) == ["A-1", "A-2", "B-1"]
    assert await search(running, creditor="creditors/0b7e4a94-0000-4000-8000-000000000000") == []


async def test_search_pages_and_validates(running: RunningServer) -> None:
    for number in range(5):
        await import_one(running, number=f"P-{number}", due_date=f"2026091{number}")
    seen: list[str] = []
    token = ""
    while True:
        response = await running.stub.SearchInvoices(
            pb.SearchInvoicesRequest(page_size=2, page_token=token, query="P-")
        )
        seen += [invoice.invoice_number for invoice in response.invoices]
        token = response.next_page_token
        if not token:
            break
    assert seen == ["P-4", "P-3", "P-2", "P-1", "P-0"]
    error = RpcError.from_aio(
        await failure(
            running.stub.SearchInvoices(
                pb.SearchInvoicesRequest(
                    case_number="123",
                    reference="1233",
                    states=[invoice_pb2.Invoice.State.ValueType(99)],
                )
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in error.field_violations} == {"case_number", "reference", "states[0]"}


# ------------------------------------------------------------------------------ lookups


async def test_lookup_by_details_and_by_myropo_id(running: RunningServer) -> None:
    invoice = await import_one(running, number="L-1", reference="1232", postal_code="00100")
    by_details = await running.stub.LookupInvoice(
        pb.LookupInvoiceRequest(
            invoice_details=pb.InvoiceDetailsQuery(
                invoice_number="L-1", reference="12 32", postal_code="00100"
            ),
            language_code="sv",
        )
    )
    assert by_details.invoice.name == invoice.name
    assert by_details.invoice.display_status == "Faktura"
    grouped = "-".join(invoice.myropo_id[i : i + 4] for i in range(0, 12, 4)).lower()
    by_id = await running.stub.LookupInvoice(pb.LookupInvoiceRequest(myropo_id=grouped))
    assert by_id.invoice.name == invoice.name


def _misses(invoice: invoice_pb2.Invoice) -> dict[str, invoice_service_pb2.LookupInvoiceRequest]:
    def details(number: str, reference: str, postal_code: str) -> pb.LookupInvoiceRequest:
        query = pb.InvoiceDetailsQuery(
            invoice_number=number, reference=reference, postal_code=postal_code
        )
        return pb.LookupInvoiceRequest(invoice_details=query)

    return {
        "unknown invoice number": details("L-9", "1232", "00100"),
        "wrong reference": details("L-1", "1245", "00100"),
        "wrong postal code": details("L-1", "1232", "00180"),
        "bad check digit": details("L-1", "1233", "00100"),
        "unknown MyRopo ID": pb.LookupInvoiceRequest(myropo_id="0000-0000-0000"),
    }


async def test_lookup_misses_are_byte_identical(running: RunningServer) -> None:
    invoice = await import_one(running, number="L-1", reference="1232", postal_code="00100")
    answers = set()
    # One caller request id for all: the status details echo it, nothing else may differ.
    same_request = (("x-request-id", "lookup-test"),)
    for kind, request in _misses(invoice).items():
        error = await failure(running.stub.LookupInvoice(request, metadata=same_request))
        assert error.code() == grpc.StatusCode.NOT_FOUND, kind
        details = dict(error.trailing_metadata() or ())["grpc-status-details-bin"]
        answers.add((error.code(), error.details(), details))
    assert len(answers) == 1
    (_code, message, details) = answers.pop()
    assert message == "no invoice matches the given details"
    assert b"INVOICE_LOOKUP_FAILED" in details
    assert invoice.name.encode() not in details


async def test_lookup_requires_its_fields(running: RunningServer) -> None:
    error = RpcError.from_aio(
        await failure(
            running.stub.LookupInvoice(
                pb.LookupInvoiceRequest(invoice_details=pb.InvoiceDetailsQuery(reference="1232"))
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in error.field_violations} == {
        "invoice_details.invoice_number",
        "invoice_details.postal_code",
    }
    empty = RpcError.from_aio(await failure(running.stub.LookupInvoice(pb.LookupInvoiceRequest())))
    assert [v.field for v in empty.field_violations] == ["query"]


@pytest_asyncio.fixture
async def padded(migrated_url: str) -> AsyncIterator[RunningServer]:
    """A server whose lookups take at least 0.15 s."""
    app = bootstrap(invoice_settings(migrated_url, lookup_min_duration=0.15))
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield RunningServer(server, channel, pb_grpc.InvoiceServiceStub(channel), app)
    finally:
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()


async def test_no_lookup_answers_sooner_than_the_minimum(padded: RunningServer) -> None:
    invoice = await import_one(padded, number="L-1", reference="1232", postal_code="00100")
    for kind, request in _misses(invoice).items():
        started = time.monotonic()
        await failure(padded.stub.LookupInvoice(request))
        assert time.monotonic() - started >= 0.15, kind
    started = time.monotonic()
    await padded.stub.LookupInvoice(pb.LookupInvoiceRequest(myropo_id=invoice.myropo_id))
    assert time.monotonic() - started >= 0.15


# ----------------------------------------------------------------------------- timeline


async def test_timeline_starts_with_the_import(running: RunningServer) -> None:
    invoice = await import_one(running)
    titles = {}
    for language in ("fi", "sv", "en"):
        response = await running.stub.ListInvoiceEvents(
            pb.ListInvoiceEventsRequest(invoice=invoice.name, language_code=language)
        )
        (event,) = response.invoice_events
        assert event.type == invoice_event_pb2.InvoiceEvent.TYPE_IMPORTED
        assert event.name == f"{invoice.name}/events/1"
        assert event.amount.units == 124
        titles[language] = (event.title, event.description)
    assert titles == {
        "fi": ("Lasku vastaanotettu", "Eräpäivä 15.9.2026"),
        "sv": ("Fakturan mottagen", "Förfallodag 15.9.2026"),
        "en": ("Invoice received", "Due date 15.9.2026"),
    }


async def test_timeline_of_unknown_or_malformed_invoice(running: RunningServer) -> None:
    missing = await failure(
        running.stub.ListInvoiceEvents(pb.ListInvoiceEventsRequest(invoice="invoices/nope"))
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    malformed = await failure(
        running.stub.ListInvoiceEvents(pb.ListInvoiceEventsRequest(invoice="nope"))
    )
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT


# ---------------------------------------------------------------------------- creditors


async def test_creditors_by_name_page_by_page(running: RunningServer) -> None:
    first = await import_one(running, seller_id="2345678-0", seller_name="Testi-yritys Oy")
    await import_one(running, number="X-1", seller_id="0112038-9", seller_name="Oy Yritys X Ab")
    names: list[str] = []
    token = ""
    while True:
        page = await running.stub.ListCreditors(
            pb.ListCreditorsRequest(page_size=1, page_token=token)
        )
        names += [creditor.display_name for creditor in page.creditors]
        token = page.next_page_token
        if not token:
            break
    assert names == ["Oy Yritys X Ab", "Testi-yritys Oy"]
    got = await running.stub.GetCreditor(pb.GetCreditorRequest(name=first.creditor))
    assert (got.creditor.business_id, got.creditor.iban) == ("2345678-0", "FI2112345600000785")
    missing = await failure(running.stub.GetCreditor(pb.GetCreditorRequest(name="creditors/nope")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
