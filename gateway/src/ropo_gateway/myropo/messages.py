"""*Viestikeskus*: a person's letters and customer-service messages.

A person sees only letters addressed to them: every read asks ``ListLetters`` with
``recipient_party`` = the session's ``persons/{key}``, so a letter of someone else's (or one
that does not exist, or a malformed id) is simply not found. That answer is the one
``letter_not_found()`` (404, one body) after one audit record, like an invoice the person may
not see. Opening a letter marks it read (``MarkLetterRead``) with an idempotency key derived
from the letter and the reader, so a reload does not act twice.

The letter's PDF comes from the invoice service (``GetInvoiceDocument`` with the letter), or,
for a refund letter, from the refund service (``GetRefundLetter``) — the invoice service keeps
only its entry. Anything that is not a PDF is refused, as for the invoice image.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Final

import grpc
from ropo_platform.logging import get_logger

from ropo_gateway.clients.invoices import InvoiceDocument
from ropo_gateway.clients.letters import LetterQuery, LetterType, LetterView, letter_name
from ropo_gateway.errors import ApiError, UpstreamError, document_unavailable
from ropo_gateway.myropo.access import MALFORMED_ID, InvoiceAccess, InvoiceAccessPolicy
from ropo_gateway.myropo.invoice_page import PDF_MEDIA_TYPE, safe_pdf_filename
from ropo_gateway.myropo.ports import LetterSource, RefundLetterSource
from ropo_gateway.myropo.views import invoice_name

_log = get_logger("ropo_gateway.messages")

#: Letters per page of *Viestikeskus* (*Näytä lisää* fetches the next).
PAGE_SIZE: Final = 20
#: The unread count shows at most this, then "99+".
MAX_UNREAD_SHOWN: Final = 99
#: Letters fetched per call when looking one up among an invoice's letters, and the most
#: calls made: an invoice has a handful of letters.
FIND_PAGE_SIZE: Final = 200
MAX_FIND_PAGES: Final = 5
LETTER_NOT_FOUND: Final = "LETTER_NOT_FOUND"
#: The audit record's resource when an id in the URL cannot name a letter (never the raw value).
MALFORMED_LETTER: Final = "invoices/-/letters/-"
#: Invoice ids, and letter ids (UUIDs, or the invoice's id for the invoice itself).
_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
#: Namespace of the read receipts' idempotency keys (any fixed UUID would do).
_READ_NAMESPACE: Final = uuid.UUID("6f1d3c52-9a0e-4f8b-8a51-2f6b7c1e4d90")


def letter_not_found() -> ApiError:
    """The one answer for a letter that does not exist and for one addressed to someone else."""
    return ApiError(
        HTTPStatus.NOT_FOUND, LETTER_NOT_FOUND, "Letter not found.", page="letter_not_found"
    )


def is_letter_id(value: str) -> bool:
    """True when ``value`` has the shape of an invoice or letter id."""
    return bool(_ID.match(value))


def read_request_id(letter: str, reader: str) -> str:
    """The idempotency key of ``reader`` marking ``letter`` read: the same on every reload."""
    return str(uuid.uuid5(_READ_NAMESPACE, f"{reader}|{letter}"))


class StalePageToken(Exception):
    """The page token is not one the service issued for this list (or it expired)."""


@dataclass(frozen=True, slots=True)
class UnreadCount:
    """How many letters are unread; ``more`` when there are more than ``count``."""

    count: int
    more: bool = False

    @property
    def label(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)


@dataclass(frozen=True, slots=True)
class MessagePage:
    """One page of the person's letters, newest first."""

    letters: list[LetterView]
    next_page_token: str


async def unread_count(letters: LetterSource, subject: str) -> UnreadCount:
    """How many of ``subject``'s letters are unread (at most ``MAX_UNREAD_SHOWN``, then
    ``more``)."""
    query = LetterQuery(recipient_party=subject, unread_only=True, page_size=MAX_UNREAD_SHOWN + 1)
    found = await letters.list_letters(query, "")
    count = sum(1 for letter in found.letters if not letter.read)
    more = count > MAX_UNREAD_SHOWN or bool(found.next_page_token)
    return UnreadCount(min(count, MAX_UNREAD_SHOWN), more)


def _code(error: UpstreamError) -> grpc.StatusCode:
    return error.rpc_error.code


def _is_pdf(document: InvoiceDocument) -> bool:
    media_type = document.media_type.split(";", 1)[0].strip().lower()
    return media_type == PDF_MEDIA_TYPE and document.content.startswith(b"%PDF-")


class MessageCentre:
    """*Viestikeskus* on behalf of one person (``subject`` = ``persons/{key}``)."""

    def __init__(
        self,
        letters: LetterSource,
        refunds: RefundLetterSource,
        policy: InvoiceAccessPolicy,
    ) -> None:
        self._letters = letters
        self._refunds = refunds
        self._policy = policy

    async def page(self, subject: str, page_token: str, language: str) -> MessagePage:
        """One page of the person's letters; ``StalePageToken`` for a token the service
        refuses."""
        query = LetterQuery(recipient_party=subject, page_size=PAGE_SIZE, page_token=page_token)
        try:
            found = await self._letters.list_letters(query, language)
        except UpstreamError as error:
            if page_token and _code(error) == grpc.StatusCode.INVALID_ARGUMENT:
                raise StalePageToken() from None
            raise
        return MessagePage(found.letters, found.next_page_token)

    async def find(
        self, subject: str, invoice_id: str, letter_id: str, language: str
    ) -> LetterView:
        """The letter when it is addressed to ``subject``; otherwise — after one audit
        record — the one ``letter_not_found()``."""
        if not (is_letter_id(invoice_id) and is_letter_id(letter_id)):
            raise await self._refuse(subject, MALFORMED_LETTER, MALFORMED_ID)
        name = letter_name(invoice_id, letter_id)
        token = ""
        for _ in range(MAX_FIND_PAGES):
            query = LetterQuery(
                recipient_party=subject,
                invoice=invoice_name(invoice_id),
                page_size=FIND_PAGE_SIZE,
                page_token=token,
            )
            try:
                found = await self._letters.list_letters(query, language)
            except UpstreamError as error:
                # An invoice that does not exist answers like a letter that does not.
                if _code(error) in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                    break
                raise
            for letter in found.letters:
                if letter.name == name and letter.recipient_party == subject:
                    return letter
            token = found.next_page_token
            if not token:
                break
        raise await self._refuse(subject, name, LETTER_NOT_FOUND)

    async def open(
        self, subject: str, invoice_id: str, letter_id: str, language: str
    ) -> LetterView:
        """The letter, now read."""
        return await self.mark_read(
            subject, await self.find(subject, invoice_id, letter_id, language)
        )

    async def mark_read(self, subject: str, letter: LetterView) -> LetterView:
        """``letter`` (found for ``subject``) marked read; once read it stays as it is."""
        if letter.read or letter.recipient_party != subject:
            return letter
        try:
            marked = await self._letters.mark_letter_read(
                read_request_id(letter.name, subject), letter.name, subject
            )
        except UpstreamError as error:
            if _code(error) == grpc.StatusCode.NOT_FOUND:
                raise await self._refuse(subject, letter.name, LETTER_NOT_FOUND) from None
            raise
        # The listing's title is in the page's language; the receipt only adds the read time.
        return replace(letter, read=True, read_time=marked.read_time or letter.read_time)

    async def document(
        self, subject: str, invoice_id: str, letter_id: str, language: str
    ) -> InvoiceDocument:
        """The letter's PDF with a safe file name; opening it marks the letter read."""
        letter = await self.find(subject, invoice_id, letter_id, language)
        document = await self._pdf(letter, language)
        await self.mark_read(subject, letter)
        return document

    async def latest_payment_monitoring_letter(
        self, invoice: str, language: str
    ) -> LetterView | None:
        """The newest payment-monitoring letter of ``invoice`` (``invoices/{id}``), or
        ``None``. For an invoice page already authorised; a failing service is ``None`` (the
        page works without it)."""
        try:
            return await self._latest_monitoring_letter(invoice, language)
        except UpstreamError as error:
            _log.warning("monitoring_letter_unavailable", code=_code(error).name)
            return None

    async def payment_monitoring_document(
        self, access: InvoiceAccess, language: str
    ) -> InvoiceDocument:
        """The PDF of the newest payment-monitoring letter of an invoice the person may
        handle; ``letter_not_found()`` when there is none."""
        letter = await self._latest_monitoring_letter(access.invoice, language)
        if letter is None:
            raise letter_not_found()
        document = await self._pdf(letter, language)
        await self.mark_read(access.subject, letter)
        return document

    async def _latest_monitoring_letter(self, invoice: str, language: str) -> LetterView | None:
        token = ""
        for _ in range(MAX_FIND_PAGES):
            query = LetterQuery(invoice=invoice, page_size=FIND_PAGE_SIZE, page_token=token)
            found = await self._letters.list_letters(query, language)
            for letter in found.letters:
                if letter.type is LetterType.PAYMENT_MONITORING_LETTER:
                    return letter
            token = found.next_page_token
            if not token:
                break
        return None

    async def _pdf(self, letter: LetterView, language: str) -> InvoiceDocument:
        try:
            if letter.refund_case:
                refund_letter = await self._refunds.get_refund_letter(letter.refund_case, language)
                document = InvoiceDocument(
                    media_type=refund_letter.media_type,
                    content=refund_letter.content,
                    filename=refund_letter.filename,
                    original=False,
                )
            else:
                document = await self._letters.get_letter_document(
                    letter.invoice, letter.name, language
                )
        except UpstreamError as error:
            if _code(error) == grpc.StatusCode.NOT_FOUND:
                raise letter_not_found() from None
            raise
        if not _is_pdf(document):
            _log.error("letter_document_not_pdf", letter=letter.name)
            raise document_unavailable()
        return InvoiceDocument(
            media_type=PDF_MEDIA_TYPE,
            content=document.content,
            filename=safe_pdf_filename(document.filename),
            original=document.original,
        )

    async def _refuse(self, subject: str, resource: str, reason: str) -> ApiError:
        await self._policy.record_denial(subject, resource, reason)
        return letter_not_found()
