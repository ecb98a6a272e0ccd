"""ListLetters and MarkLetterRead over the real gRPC server on a real database: the
invoice's own entry and the letters of payment time, titles by language, pages,
reading (only by the recipient, idempotently) and every INVALID_ARGUMENT case."""

from __future__ import annotations

import uuid

import grpc
import grpc.aio
import pytest
from google.type import date_pb2, money_pb2
from invoice_server_support import RunningServer
from invoice_support import BUYER_COMPANY_ID, HETU_MAIJA, finvoice_xml
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, letter_pb2
from ropo_platform.rpc import RpcError

pb = invoice_service_pb2


async def call_error(call: object) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return RpcError.from_aio(raised.value)


def violations(error: RpcError) -> dict[str, str]:
    return {v.field: v.description for v in error.field_violations}


async def import_invoice(running: RunningServer, **changes: object) -> invoice_pb2.Invoice:
    response = await running.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(**changes))
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def list_letters(running: RunningServer, **fields: object) -> pb.ListLettersResponse:
    response: pb.ListLettersResponse = await running.stub.ListLetters(
        pb.ListLettersRequest(**fields)  # type: ignore[arg-type]
    )
    return response


async def test_the_invoice_itself_is_the_first_letter(running: RunningServer) -> None:
    invoice = await import_invoice(running)
    (letter,) = (await list_letters(running, invoice=invoice.name)).letters
    assert letter.name == f"{invoice.name}/letters/{invoice.name.removeprefix('invoices/')}"
    assert letter.type == letter_pb2.LETTER_TYPE_INVOICE
    assert letter.title == "Lasku"
    assert letter.channel == letter_pb2.LETTER_CHANNEL_PAPER
    assert letter.recipient_party == invoice.debtor.party
    assert letter.invoice_number == "1001"
    assert letter.creditor_display_name == "Testi-yritys Oy"
    assert letter.due_date == date_pb2.Date(year=2026, month=9, day=15)
    assert letter.HasField("create_time") and not letter.read
    assert letter.body == "" and letter.refund_case == ""

    for code, title in (("sv", "Faktura"), ("en", "Invoice"), ("FI", "Lasku")):
        shown = (await list_letters(running, invoice=invoice.name, language_code=code)).letters
        assert shown[0].title == title

    # Opening it gives the invoice image.
    document = await running.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=invoice.name, letter=letter.name)
    )
    assert document.media_type == "application/pdf" and document.content.startswith(b"%PDF")
    assert not document.original


async def test_payment_time_letters_reach_the_message_centre(running: RunningServer) -> None:
    invoice = await import_invoice(running)
    options = await running.stub.GetPaymentTimeOptions(
        pb.GetPaymentTimeOptionsRequest(invoice=invoice.name)
    )
    extension = options.due_date_extension
    await running.stub.ExtendDueDate(
        pb.ExtendDueDateRequest(
            request_id=str(uuid.uuid4()),
            invoice=invoice.name,
            new_due_date=extension.latest_due_date,
            accepted_fee=extension.fee
            if extension.HasField("fee")
            else money_pb2.Money(currency_code="EUR"),
            actor=invoice.debtor.party,
        )
    )
    confirmation, first = (
        await list_letters(running, recipient_party=invoice.debtor.party)
    ).letters
    assert confirmation.type == letter_pb2.LETTER_TYPE_PAYMENT_TIME_CONFIRMATION
    assert confirmation.title == "Maksuaikavahvistus"
    assert confirmation.due_date == extension.latest_due_date
    assert first.type == letter_pb2.LETTER_TYPE_INVOICE
    document = await running.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(invoice=invoice.name, letter=confirmation.name)
    )
    assert document.content.startswith(b"%PDF")


async def test_a_recipients_letters_page_by_page(running: RunningServer) -> None:
    names = []
    party = ""
    for number in range(5):
        invoice = await import_invoice(running, number=f"P{number}")
        names.append(invoice.name)
        party = invoice.debtor.party
    await import_invoice(running, number="OTHER", buyer_id=HETU_MAIJA)
    company = await import_invoice(
        running, number="CO", buyer_id=BUYER_COMPANY_ID, buyer_name="Yritys X Oy"
    )

    seen: list[str] = []
    token = ""
    while True:
        page = await list_letters(running, recipient_party=party, page_size=2, page_token=token)
        assert len(page.letters) <= 2
        seen += [letter.name.split("/letters/")[0] for letter in page.letters]
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(names))  # newest first, nobody else's

    (company_letter,) = (await list_letters(running, recipient_party=company.debtor.party)).letters
    assert company_letter.recipient_party.startswith("organizations/")

    error = await call_error(
        running.stub.ListLetters(
            pb.ListLettersRequest(recipient_party=party, unread_only=True, page_token="abc")
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_PAGE_TOKEN"
    first_page = await list_letters(running, recipient_party=party, page_size=2)
    other_query = await call_error(
        running.stub.ListLetters(
            pb.ListLettersRequest(
                recipient_party=party, unread_only=True, page_token=first_page.next_page_token
            )
        )
    )
    assert other_query.reason == "INVALID_PAGE_TOKEN"


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        ({}, {"recipient_party"}),
        ({"recipient_party": "persons/x"}, {"recipient_party"}),
        ({"recipient_party": "organizations/123"}, {"recipient_party"}),
        ({"invoice": "invoice/1"}, {"invoice"}),
        ({"invoice": "invoices/1", "page_size": -1}, {"page_size"}),
        ({"invoice": "invoices/1", "language_code": "de"}, {"language_code"}),
    ],
)
async def test_bad_list_requests_name_their_fields(
    running: RunningServer, request_fields: dict[str, object], expected: set[str]
) -> None:
    error = await call_error(running.stub.ListLetters(pb.ListLettersRequest(**request_fields)))  # type: ignore[arg-type]
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(error)) == expected
    assert "persons/x" not in str(violations(error))


async def test_reading_is_for_the_recipient_only_and_idempotent(running: RunningServer) -> None:
    invoice = await import_invoice(running)
    other = await import_invoice(running, number="M1", buyer_id=HETU_MAIJA)
    (letter,) = (await list_letters(running, invoice=invoice.name)).letters
    party = invoice.debtor.party

    for actor, name in (
        (other.debtor.party, letter.name),  # someone else's letter
        (party, f"{invoice.name}/letters/nope"),
        (party, f"invoices/nope/letters/{invoice.name.removeprefix('invoices/')}"),
    ):
        error = await call_error(
            running.stub.MarkLetterRead(pb.MarkLetterReadRequest(name=name, actor=actor))
        )
        assert error.code == grpc.StatusCode.NOT_FOUND
        assert error.reason == "LETTER_NOT_FOUND"
    assert not (await list_letters(running, invoice=invoice.name)).letters[0].read

    request_id = str(uuid.uuid4())
    read = (
        await running.stub.MarkLetterRead(
            pb.MarkLetterReadRequest(request_id=request_id, name=letter.name, actor=party)
        )
    ).letter
    assert read.read and read.HasField("read_time") and read.title == "Lasku"
    replay = (
        await running.stub.MarkLetterRead(
            pb.MarkLetterReadRequest(request_id=request_id, name=letter.name, actor=party)
        )
    ).letter
    again = (
        await running.stub.MarkLetterRead(pb.MarkLetterReadRequest(name=letter.name, actor=party))
    ).letter
    assert replay.read_time == read.read_time == again.read_time
    (listed,) = (await list_letters(running, invoice=invoice.name)).letters
    assert listed.read and listed.read_time == read.read_time
    assert (await list_letters(running, recipient_party=party, unread_only=True)).letters == []

    (other_letter,) = (await list_letters(running, invoice=other.name)).letters
    reused = await call_error(
        running.stub.MarkLetterRead(
            pb.MarkLetterReadRequest(
                request_id=request_id, name=other_letter.name, actor=other.debtor.party
            )
        )
    )
    assert reused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert reused.reason == "REQUEST_ID_REUSED"


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        ({}, {"name", "actor"}),
        ({"name": "invoices/a/letters/b", "actor": "staffUsers/anna"}, {"actor"}),
        ({"name": "invoices/a/letters/b", "actor": "persons/short"}, {"actor"}),
        ({"name": "invoices/a/letter/b", "actor": ""}, {"name", "actor"}),
        ({"name": "invoices/a/letters/b/c", "actor": ""}, {"name", "actor"}),
        ({"name": "invoices/a/letters/b", "request_id": "x"}, {"request_id", "actor"}),
    ],
)
async def test_bad_read_requests_name_their_fields(
    running: RunningServer, request_fields: dict[str, str], expected: set[str]
) -> None:
    error = await call_error(
        running.stub.MarkLetterRead(pb.MarkLetterReadRequest(**request_fields))
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(error)) == expected
