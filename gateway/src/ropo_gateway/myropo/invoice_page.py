"""One invoice for its pages and the API: access check, details, timeline, image, payment.

Every read starts with ``InvoiceAccessPolicy.require`` with the action it needs (VIEW,
PAY for *Maksa*); an invoice the person may not see, a malformed id and an invoice
that does not exist all end in the same ``invoice_not_found()`` (404, one body, one
audit record), so the answer never tells whether someone else's invoice exists. A
delegate's allowed read is recorded with the debtor as data subject.

The invoice page also shows, to whoever may handle the invoice (``MANAGE_PAYMENT_TIME``),
its disputes with *Tee reklamaatio* (``myropo.disputes``) and the latest payment-monitoring
letter (``myropo.messages``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import grpc
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.logging import get_logger

from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.invoices import InvoiceDocument
from ropo_gateway.errors import UpstreamError, document_unavailable, invoice_not_found
from ropo_gateway.myropo.access import InvoiceAccess, InvoiceAccessPolicy
from ropo_gateway.myropo.ports import InvoiceSource
from ropo_gateway.myropo.views import (
    InvoiceDetail,
    PaymentInstructions,
    TimelineEntry,
    detail_from_invoice,
    payment_from_detail,
    timeline_from_events,
)

PDF_MEDIA_TYPE: Final = "application/pdf"
DEFAULT_FILENAME: Final = "lasku.pdf"
_UNSAFE_FILENAME_CHARS: Final = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILENAME_LENGTH: Final = 100

if TYPE_CHECKING:
    from ropo_gateway.clients.letters import LetterView
    from ropo_gateway.myropo.disputes import DisputeDesk, DisputeSection
    from ropo_gateway.myropo.messages import MessageCentre

_log = get_logger("ropo_gateway.invoice_page")


def safe_pdf_filename(suggested: str) -> str:
    """A file name safe inside ``Content-Disposition``: letters, digits, ``.``, ``_`` and
    ``-`` only, no leading dot, ending in ``.pdf``; ``lasku.pdf`` when nothing is left."""
    cleaned = _UNSAFE_FILENAME_CHARS.sub("-", suggested)
    if cleaned.lower().endswith(".pdf"):
        cleaned = cleaned[: -len(".pdf")]
    cleaned = cleaned.strip(".-_")
    if not cleaned:
        return DEFAULT_FILENAME
    return f"{cleaned[: MAX_FILENAME_LENGTH - len('.pdf')]}.pdf"


def _is_pdf(document: InvoiceDocument) -> bool:
    media_type = document.media_type.split(";", 1)[0].strip().lower()
    return media_type == PDF_MEDIA_TYPE and document.content.startswith(b"%PDF-")


def _gone(error: UpstreamError) -> bool:
    # Allowed a moment ago but gone now: still the one "not found" answer.
    return error.rpc_error.code == grpc.StatusCode.NOT_FOUND


@dataclass(frozen=True, slots=True)
class InvoicePageData:
    """The invoice page: the access, details and the timeline (``None`` when it could not
    be loaded)."""

    access: InvoiceAccess
    detail: InvoiceDetail
    timeline: list[TimelineEntry] | None
    #: *Reklamaatio* and the latest payment-monitoring letter, for those who may handle the
    #: invoice (``None``/nothing for anyone else).
    dispute: DisputeSection | None = None
    monitoring_letter: LetterView | None = None


class InvoiceReader:
    """Reads one invoice on behalf of a person, after checking they may."""

    def __init__(
        self,
        policy: InvoiceAccessPolicy,
        invoices: InvoiceSource,
        *,
        disputes: DisputeDesk | None = None,
        messages: MessageCentre | None = None,
    ) -> None:
        self._policy = policy
        self._invoices = invoices
        self._disputes = disputes
        self._messages = messages

    @property
    def policy(self) -> InvoiceAccessPolicy:
        return self._policy

    async def _invoice(self, name: str, language: str) -> invoice_pb2.Invoice:
        try:
            return await self._invoices.get_invoice(name, language)
        except UpstreamError as error:
            if _gone(error):
                raise invoice_not_found() from None
            raise

    async def _detail(self, access: InvoiceAccess, language: str) -> InvoiceDetail:
        return detail_from_invoice(await self._invoice(access.invoice, language), access.reason)

    async def _timeline(self, name: str, language: str) -> list[TimelineEntry]:
        try:
            return timeline_from_events(await self._invoices.list_invoice_events(name, language))
        except UpstreamError as error:
            if _gone(error):
                raise invoice_not_found() from None
            raise

    async def _record_delegate_read(self, access: InvoiceAccess, language: str) -> None:
        """For reads that do not fetch the invoice itself: learn its debtor for the record."""
        if access.delegate:
            invoice = await self._invoice(access.invoice, language)
            await self._policy.record_read(access, invoice.debtor.party)

    async def detail_of(self, access: InvoiceAccess, language: str) -> InvoiceDetail:
        """The invoice of an access already granted (a delegate's read is recorded)."""
        detail = await self._detail(access, language)
        await self._policy.record_read(access, detail.debtor_party)
        return detail

    async def detail(self, subject: str, invoice_id: str, language: str) -> InvoiceDetail:
        """The invoice with its ledger and rows, texts in ``language``."""
        access = await self._policy.require(subject, invoice_id, Action.VIEW)
        detail = await self._detail(access, language)
        await self._policy.record_read(access, detail.debtor_party)
        return detail

    async def timeline(self, subject: str, invoice_id: str, language: str) -> list[TimelineEntry]:
        """The status timeline, oldest first, titles in ``language``."""
        access = await self._policy.require(subject, invoice_id, Action.VIEW)
        entries = await self._timeline(access.invoice, language)
        await self._record_delegate_read(access, language)
        return entries

    async def page(self, subject: str, invoice_id: str, language: str) -> InvoicePageData:
        """Details and timeline, fetched together. A timeline that fails for another reason
        than "not found" leaves the page usable (it says the timeline is unavailable)."""
        access = await self._policy.require(subject, invoice_id, Action.VIEW)
        detail, timeline = await asyncio.gather(
            self._detail(access, language),
            self._timeline(access.invoice, language),
            return_exceptions=True,
        )
        if isinstance(detail, BaseException):
            raise detail
        await self._policy.record_read(access, detail.debtor_party)
        dispute, letter = await self._handling(access, detail, language)
        if isinstance(timeline, UpstreamError):
            _log.warning(
                "timeline_unavailable", invoice=access.invoice, code=timeline.rpc_error.code.name
            )
            return InvoicePageData(access, detail, None, dispute, letter)
        if isinstance(timeline, BaseException):
            raise timeline
        return InvoicePageData(access, detail, timeline, dispute, letter)

    async def _handling(
        self, access: InvoiceAccess, detail: InvoiceDetail, language: str
    ) -> tuple[DisputeSection | None, LetterView | None]:
        """The disputes and the latest payment-monitoring letter, for whoever may handle the
        invoice; both leave the page usable when their service fails."""
        if self._disputes is None and self._messages is None:
            return None, None
        if not await self._policy.permits(access, Action.MANAGE_PAYMENT_TIME):
            return None, None
        dispute = (
            await self._disputes.overview(access, detail.row)
            if self._disputes is not None
            else None
        )
        letter = (
            await self._messages.latest_payment_monitoring_letter(access.invoice, language)
            if self._messages is not None
            else None
        )
        return dispute, letter

    async def payment(self, subject: str, invoice_id: str, language: str) -> PaymentInstructions:
        """*Maksa*: the transfer details, for a person who may pay the invoice."""
        access = await self._policy.require(subject, invoice_id, Action.PAY)
        detail = await self._detail(access, language)
        await self._policy.record_read(access, detail.debtor_party)
        return payment_from_detail(detail)

    async def document(self, subject: str, invoice_id: str) -> InvoiceDocument:
        """The invoice image as a PDF with a safe file name; anything that is not a PDF is
        refused (it would otherwise be shown inline under our origin)."""
        access = await self._policy.require(subject, invoice_id, Action.VIEW)
        name = access.invoice
        try:
            document = await self._invoices.get_invoice_document(name)
        except UpstreamError as error:
            if _gone(error):
                raise invoice_not_found() from None
            raise
        if not _is_pdf(document):
            _log.error("invoice_document_not_pdf", invoice=name)
            raise document_unavailable()
        await self._record_delegate_read(access, "")
        return InvoiceDocument(
            media_type=PDF_MEDIA_TYPE,
            content=document.content,
            filename=safe_pdf_filename(document.filename),
            original=document.original,
        )
