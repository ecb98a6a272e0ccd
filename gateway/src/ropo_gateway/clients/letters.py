"""Letters of ``ropo.invoice.v1.InvoiceService``: the message centre, electronic-letter consent
and the balance certificate.

Like ``clients.invoices``, the invoice service trusts its callers: the gateway decides first
whose letters, consent or certificate a caller may see (MyRopo: only the session's own party;
Ropo One: staff roles). Answers are mapped once into plain values (``datetime``, ``date``,
``StrEnum``) that the pages and JSON APIs read; a failed call is an ``UpstreamError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Final

import grpc.aio
from google.protobuf.message import Message
from google.type import date_pb2
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc, letter_pb2

from ropo_gateway.clients.base import translate_errors
from ropo_gateway.clients.invoices import PEER, InvoiceDocument

INVOICES_PREFIX: Final = "invoices/"
LETTERS_SEGMENT: Final = "/letters/"
CONSENT_SUFFIX: Final = "/letterConsent"
#: The service's default and largest page of ``ListLetters``.
DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 1000
#: ``UpdateLetterConsent.channel`` of a change made by the person in MyRopo.
CHANNEL_MYROPO: Final = "myropo"
#: ``UpdateLetterConsent.channel`` of a change made by customer service (Ropo One).
CHANNEL_CUSTOMER_SERVICE: Final = "customer_service"


class LetterType(StrEnum):
    """Kind of letter (``LetterType`` without the ``LETTER_TYPE_`` prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    INVOICE = "INVOICE"
    REMINDER = "REMINDER"
    PAYMENT_DEMAND = "PAYMENT_DEMAND"
    PAYMENT_MONITORING_LETTER = "PAYMENT_MONITORING_LETTER"
    PAYMENT_TIME_CONFIRMATION = "PAYMENT_TIME_CONFIRMATION"
    CUSTOMER_SERVICE_MESSAGE = "CUSTOMER_SERVICE_MESSAGE"
    REFUND_LETTER = "REFUND_LETTER"
    PAYMENT_PLAN_REMINDER = "PAYMENT_PLAN_REMINDER"


class LetterChannel(StrEnum):
    """How a letter was delivered (``LetterChannel`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    PAPER = "PAPER"
    ELECTRONIC = "ELECTRONIC"


def letter_type(value: int) -> LetterType:
    """The type of a wire value (``UNSPECIFIED`` for one this gateway does not know)."""
    try:
        name = letter_pb2.LetterType.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return LetterType.UNSPECIFIED
    return LetterType.__members__.get(name.removeprefix("LETTER_TYPE_"), LetterType.UNSPECIFIED)


def letter_channel(value: int) -> LetterChannel:
    """The channel of a wire value (``UNSPECIFIED`` for one this gateway does not know)."""
    try:
        name = letter_pb2.LetterChannel.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return LetterChannel.UNSPECIFIED
    key = name.removeprefix("LETTER_CHANNEL_")
    return LetterChannel.__members__.get(key, LetterChannel.UNSPECIFIED)


def letter_name(invoice_id: str, letter_id: str) -> str:
    """``invoices/{invoice_id}/letters/{letter_id}``."""
    return f"{INVOICES_PREFIX}{invoice_id}{LETTERS_SEGMENT}{letter_id}"


def letter_consent_name(person: str) -> str:
    """``persons/{key}/letterConsent`` of ``persons/{key}``."""
    return f"{person}{CONSENT_SUFFIX}"


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _date(parent: Message, name: str) -> date | None:
    if not parent.HasField(name):
        return None
    value: date_pb2.Date = getattr(parent, name)
    if not value.year or not value.month or not value.day:
        return None
    return date(value.year, value.month, value.day)


@dataclass(frozen=True, slots=True)
class LetterView:
    """One letter of the message centre."""

    name: str
    type: LetterType
    title: str
    recipient_party: str
    channel: LetterChannel
    read: bool
    create_time: datetime | None
    read_time: datetime | None = None
    #: ``refundCases/{id}`` of a refund letter (its PDF is the refund service's).
    refund_case: str = ""
    invoice_number: str = ""
    creditor_display_name: str = ""
    due_date: date | None = None
    #: The text of a customer-service message; empty for letters whose content is a PDF.
    body: str = ""

    @property
    def invoice(self) -> str:
        """``invoices/{invoice_id}``."""
        return self.name.split(LETTERS_SEGMENT, 1)[0]

    @property
    def invoice_id(self) -> str:
        return self.invoice.removeprefix(INVOICES_PREFIX)

    @property
    def letter_id(self) -> str:
        head, _, tail = self.name.partition(LETTERS_SEGMENT)
        return tail if head else ""


def letter_view(message: letter_pb2.Letter) -> LetterView:
    """Map the wire message; pages and APIs read only this."""
    return LetterView(
        name=message.name,
        type=letter_type(message.type),
        title=message.title,
        recipient_party=message.recipient_party,
        channel=letter_channel(message.channel),
        read=message.read,
        create_time=_time(message, "create_time"),
        read_time=_time(message, "read_time"),
        refund_case=message.refund_case,
        invoice_number=message.invoice_number,
        creditor_display_name=message.creditor_display_name,
        due_date=_date(message, "due_date"),
        body=message.body,
    )


@dataclass(frozen=True, slots=True)
class LetterPage:
    """One page of ``ListLetters``, newest first."""

    letters: list[LetterView]
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class LetterQuery:
    """What ``ListLetters`` is asked for; an empty field does not filter."""

    recipient_party: str = ""
    invoice: str = ""
    unread_only: bool = False
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class LetterConsentChangeView:
    """One recorded change of a consent."""

    electronic: bool
    channel: str
    actor: str
    change_time: datetime | None


@dataclass(frozen=True, slots=True)
class LetterConsentView:
    """A person's consent to electronic letters (``electronic`` is false when never given)."""

    name: str
    electronic: bool
    notification_email: str
    changes: tuple[LetterConsentChangeView, ...]
    update_time: datetime | None

    @property
    def person(self) -> str:
        """``persons/{key}`` whose consent this is."""
        return self.name.removesuffix(CONSENT_SUFFIX)


def letter_consent_view(message: letter_pb2.LetterConsent) -> LetterConsentView:
    return LetterConsentView(
        name=message.name,
        electronic=message.electronic,
        notification_email=message.notification_email,
        changes=tuple(
            LetterConsentChangeView(
                electronic=item.electronic,
                channel=item.channel,
                actor=item.actor,
                change_time=_time(item, "change_time"),
            )
            for item in message.changes
        ),
        update_time=_time(message, "update_time"),
    )


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """What ``UpdateLetterConsent`` is asked for. ``person`` is ``persons/{key}``; the
    address is required when giving the consent and ignored when withdrawing it."""

    request_id: str
    person: str
    electronic: bool
    channel: str
    actor: str
    notification_email: str = ""


@dataclass(frozen=True, slots=True)
class BalanceCertificate:
    """The balance certificate (saldotodistus) as the invoice service returns it."""

    media_type: str
    content: bytes
    filename: str


class LetterClient:
    """Typed wrapper of the letter calls; every call has the channel's deadline."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        self._timeout = timeout_seconds

    async def list_letters(self, query: LetterQuery, language_code: str) -> LetterPage:
        """One page of letters, newest first, titles in ``language_code``."""
        async with translate_errors(PEER):
            response = await self._stub.ListLetters(
                invoice_service_pb2.ListLettersRequest(
                    recipient_party=query.recipient_party,
                    invoice=query.invoice,
                    unread_only=query.unread_only,
                    page_size=query.page_size,
                    page_token=query.page_token,
                    language_code=language_code,
                ),
                timeout=self._timeout,
            )
        return LetterPage(
            [letter_view(item) for item in response.letters], response.next_page_token
        )

    async def mark_letter_read(self, request_id: str, name: str, actor: str) -> LetterView:
        """Mark ``invoices/{i}/letters/{l}`` read by ``actor``; a retry with the same
        ``request_id`` returns the first answer."""
        async with translate_errors(PEER):
            response = await self._stub.MarkLetterRead(
                invoice_service_pb2.MarkLetterReadRequest(
                    request_id=request_id, name=name, actor=actor
                ),
                timeout=self._timeout,
            )
        return letter_view(response.letter)

    async def get_letter_document(
        self, invoice: str, letter: str, language_code: str = ""
    ) -> InvoiceDocument:
        """The PDF of ``letter`` (``invoices/{i}/letters/{l}``) of ``invoice``."""
        async with translate_errors(PEER):
            response = await self._stub.GetInvoiceDocument(
                invoice_service_pb2.GetInvoiceDocumentRequest(
                    invoice=invoice, letter=letter, language_code=language_code
                ),
                timeout=self._timeout,
            )
        return InvoiceDocument(
            media_type=response.media_type,
            content=response.content,
            filename=response.filename,
            original=response.original,
        )

    async def get_letter_consent(self, person: str) -> LetterConsentView:
        """The consent of ``persons/{key}`` with its history."""
        async with translate_errors(PEER):
            response = await self._stub.GetLetterConsent(
                invoice_service_pb2.GetLetterConsentRequest(name=letter_consent_name(person)),
                timeout=self._timeout,
            )
        return letter_consent_view(response.letter_consent)

    async def update_letter_consent(self, change: ConsentChange) -> LetterConsentView:
        """Give or withdraw the consent; ``INVALID_ARGUMENT`` (``notification_email``) when
        the address is missing or malformed."""
        async with translate_errors(PEER):
            response = await self._stub.UpdateLetterConsent(
                invoice_service_pb2.UpdateLetterConsentRequest(
                    request_id=change.request_id,
                    name=letter_consent_name(change.person),
                    electronic=change.electronic,
                    notification_email=change.notification_email if change.electronic else "",
                    channel=change.channel,
                    actor=change.actor,
                ),
                timeout=self._timeout,
            )
        return letter_consent_view(response.letter_consent)

    async def get_balance_certificate(
        self, debtor_party: str, language_code: str
    ) -> BalanceCertificate:
        """The PDF of every open case of ``debtor_party``."""
        async with translate_errors(PEER):
            response = await self._stub.GetBalanceCertificate(
                invoice_service_pb2.GetBalanceCertificateRequest(
                    debtor_party=debtor_party, language_code=language_code
                ),
                timeout=self._timeout,
            )
        return BalanceCertificate(
            media_type=response.media_type, content=response.content, filename=response.filename
        )
