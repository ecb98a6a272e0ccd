"""``LetterClient`` against a stand-in invoice service on loopback: the requests it builds
(the recipient and filters, the letter of a document, the consent's name, no address when
withdrawing), how it maps the answers, and how a refusal comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from google.protobuf.timestamp_pb2 import Timestamp
from google.type import date_pb2
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc, letter_pb2
from ropo_gateway.clients.letters import (
    ConsentChange,
    LetterChannel,
    LetterClient,
    LetterQuery,
    LetterType,
    letter_channel,
    letter_type,
)
from ropo_gateway.errors import UpstreamError
from ropo_platform.errors import FieldViolation, NotFound, ValidationFailed
from ropo_platform.rpc.errors import abort_with_error

Context = Any
PERSON = "persons/" + "a" * 64
STAMP = Timestamp(seconds=1_740_000_000)


def _letter(name: str, **fields: Any) -> letter_pb2.Letter:
    return letter_pb2.Letter(
        name=name,
        type=letter_pb2.LETTER_TYPE_CUSTOMER_SERVICE_MESSAGE,
        title="Asiakaspalvelun viesti",
        recipient_party=PERSON,
        channel=letter_pb2.LETTER_CHANNEL_ELECTRONIC,
        create_time=STAMP,
        invoice_number="20240017",
        creditor_display_name="Testi-yritys Oy",
        due_date=date_pb2.Date(year=2025, month=3, day=20),
        body="Hyvitimme 12,50 €.",
        **fields,
    )


@dataclass
class StandIn(invoice_service_pb2_grpc.InvoiceServiceServicer):
    requests: list[Any] = field(default_factory=list)

    async def ListLetters(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.ListLettersResponse(
            letters=[
                _letter("invoices/i1/letters/l1"),
                letter_pb2.Letter(name="invoices/i1/letters/i1", type=99),  # type: ignore[arg-type]
            ],
            next_page_token="next",
        )

    async def MarkLetterRead(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.actor != PERSON:
            await abort_with_error(
                context, NotFound("LETTER_NOT_FOUND", "letter not found"), domain="invoice.ropo"
            )
        return invoice_service_pb2.MarkLetterReadResponse(
            letter=_letter(request.name, read=True, read_time=STAMP)
        )

    async def GetInvoiceDocument(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.GetInvoiceDocumentResponse(
            media_type="application/pdf", content=b"%PDF-1.7", filename="muistutus.pdf"
        )

    async def GetLetterConsent(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.GetLetterConsentResponse(
            letter_consent=letter_pb2.LetterConsent(
                name=request.name,
                electronic=True,
                notification_email="maija@example.fi",
                changes=[
                    letter_pb2.LetterConsentChange(
                        electronic=True, channel="myropo", actor=PERSON, change_time=STAMP
                    )
                ],
                update_time=STAMP,
            )
        )

    async def UpdateLetterConsent(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.electronic and "@" not in request.notification_email:
            await abort_with_error(
                context,
                ValidationFailed([FieldViolation("notification_email", "is not an address")]),
                domain="invoice.ropo",
            )
        return invoice_service_pb2.UpdateLetterConsentResponse(
            letter_consent=letter_pb2.LetterConsent(
                name=request.name,
                electronic=request.electronic,
                notification_email=request.notification_email,
            )
        )

    async def GetBalanceCertificate(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.GetBalanceCertificateResponse(
            media_type="application/pdf", content=b"%PDF-1.7 cert", filename="saldo.pdf"
        )


@pytest_asyncio.fixture
async def served() -> AsyncIterator[tuple[StandIn, LetterClient]]:
    stand_in = StandIn()
    server = grpc.aio.server()
    invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield stand_in, LetterClient(channel, 5.0)
    finally:
        await channel.close()
        await server.stop(None)


async def test_list_letters_asks_for_the_recipient_and_maps_the_letters(
    served: tuple[StandIn, LetterClient],
) -> None:
    stand_in, client = served
    page = await client.list_letters(
        LetterQuery(
            recipient_party=PERSON,
            invoice="invoices/i1",
            unread_only=True,
            page_size=20,
            page_token="t",
        ),
        "sv",
    )
    (request,) = stand_in.requests
    assert request.recipient_party == PERSON and request.invoice == "invoices/i1"
    assert request.unread_only and request.page_size == 20 and request.page_token == "t"
    assert request.language_code == "sv"
    assert page.next_page_token == "next"
    message, unknown = page.letters
    assert message.invoice == "invoices/i1" and message.invoice_id == "i1"
    assert message.letter_id == "l1"
    assert message.type is LetterType.CUSTOMER_SERVICE_MESSAGE
    assert message.channel is LetterChannel.ELECTRONIC
    assert message.create_time == datetime.fromtimestamp(1_740_000_000, UTC)
    assert message.read_time is None and not message.read
    assert message.due_date == date(2025, 3, 20)
    assert message.body == "Hyvitimme 12,50 €."
    # A type this gateway does not know yet, and no channel: never a crash.
    assert unknown.type is LetterType.UNSPECIFIED
    assert unknown.channel is LetterChannel.UNSPECIFIED
    assert unknown.letter_id == "i1" and unknown.create_time is None and unknown.due_date is None


async def test_mark_read_and_its_refusal(served: tuple[StandIn, LetterClient]) -> None:
    stand_in, client = served
    letter = await client.mark_letter_read("req-1", "invoices/i1/letters/l1", PERSON)
    assert letter.read and letter.read_time is not None
    assert stand_in.requests[-1].request_id == "req-1"
    with pytest.raises(UpstreamError) as refused:
        await client.mark_letter_read("req-2", "invoices/i1/letters/l1", "persons/other")
    assert refused.value.rpc_error.code == grpc.StatusCode.NOT_FOUND
    assert refused.value.peer == "invoice"


async def test_a_letters_document_names_the_letter(served: tuple[StandIn, LetterClient]) -> None:
    stand_in, client = served
    document = await client.get_letter_document("invoices/i1", "invoices/i1/letters/l1", "en")
    request = stand_in.requests[-1]
    assert (request.invoice, request.letter, request.language_code) == (
        "invoices/i1",
        "invoices/i1/letters/l1",
        "en",
    )
    assert document.content == b"%PDF-1.7" and document.filename == "muistutus.pdf"


async def test_the_consent_is_named_after_the_person(served: tuple[StandIn, LetterClient]) -> None:
    stand_in, client = served
    consent = await client.get_letter_consent(PERSON)
    assert stand_in.requests[-1].name == f"{PERSON}/letterConsent"
    assert consent.person == PERSON and consent.electronic
    (change,) = consent.changes
    assert change.channel == "myropo" and change.actor == PERSON
    assert change.change_time == datetime.fromtimestamp(1_740_000_000, UTC)


async def test_withdrawing_never_sends_the_address(served: tuple[StandIn, LetterClient]) -> None:
    stand_in, client = served
    given = await client.update_letter_consent(
        ConsentChange("r1", PERSON, True, "myropo", PERSON, "maija@example.fi")
    )
    assert given.electronic and given.notification_email == "maija@example.fi"
    withdrawn = await client.update_letter_consent(
        ConsentChange("r2", PERSON, False, "myropo", PERSON, "maija@example.fi")
    )
    request = stand_in.requests[-1]
    assert request.name == f"{PERSON}/letterConsent"
    assert (request.electronic, request.notification_email) == (False, "")
    assert (request.channel, request.actor, request.request_id) == ("myropo", PERSON, "r2")
    assert not withdrawn.electronic
    with pytest.raises(UpstreamError) as refused:
        await client.update_letter_consent(ConsentChange("r3", PERSON, True, "myropo", PERSON, "x"))
    assert refused.value.rpc_error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [item.field for item in refused.value.rpc_error.field_violations] == [
        "notification_email"
    ]


async def test_the_balance_certificate(served: tuple[StandIn, LetterClient]) -> None:
    stand_in, client = served
    certificate = await client.get_balance_certificate(PERSON, "sv")
    request = stand_in.requests[-1]
    assert (request.debtor_party, request.language_code) == (PERSON, "sv")
    assert certificate.content == b"%PDF-1.7 cert" and certificate.filename == "saldo.pdf"


async def test_an_unreachable_service_is_an_upstream_error() -> None:
    channel = grpc.aio.insecure_channel("127.0.0.1:1")
    try:
        with pytest.raises(UpstreamError) as failed:
            await LetterClient(channel, 2.0).list_letters(LetterQuery(recipient_party=PERSON), "")
    finally:
        await channel.close()
    assert failed.value.unavailable


def test_enum_names_map_both_ways() -> None:
    assert letter_type(letter_pb2.LETTER_TYPE_PAYMENT_MONITORING_LETTER) is (
        LetterType.PAYMENT_MONITORING_LETTER
    )
    assert letter_channel(letter_pb2.LETTER_CHANNEL_PAPER) is LetterChannel.PAPER
    assert letter_type(1234) is LetterType.UNSPECIFIED
