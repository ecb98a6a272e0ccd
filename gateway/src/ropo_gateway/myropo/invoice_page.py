"""One invoice for its page and the API: access check, details, timeline, image.

Every read starts with ``InvoiceAccessPolicy.reason_to_view``; an invoice the
person may not see, a malformed id and an invoice that does not exist all end in
the same ``invoice_not_found()`` (404, one body), so the answer never tells
whether someone else's invoice exists.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Final

import grpc
from ropo_platform.logging import get_logger

from ropo_gateway.clients.invoices import InvoiceDocument
from ropo_gateway.errors import UpstreamError, document_unavailable, invoice_not_found
from ropo_gateway.myropo.access import InvoiceAccessPolicy, is_invoice_id
from ropo_gateway.myropo.grants import GrantHolder
from ropo_gateway.myropo.ports import InvoiceSource
from ropo_gateway.myropo.views import (
    InvoiceDetail,
    TimelineEntry,
    detail_from_invoice,
    invoice_name,
    timeline_from_events,
)

PDF_MEDIA_TYPE: Final = "application/pdf"
DEFAULT_FILENAME: Final = "lasku.pdf"
_UNSAFE_FILENAME_CHARS: Final = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILENAME_LENGTH: Final = 100

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


@dataclass(frozen=True, slots=True)
class InvoicePageData:
    """The invoice page: details and the timeline (``None`` when it could not be loaded)."""

    detail: InvoiceDetail
    timeline: list[TimelineEntry] | None


class InvoiceReader:
    """Reads one invoice on behalf of a person, after checking they may see it."""

    def __init__(self, policy: InvoiceAccessPolicy, invoices: InvoiceSource) -> None:
        self._policy = policy
        self._invoices = invoices

    async def _authorize(self, holder: GrantHolder, invoice_id: str) -> tuple[str, str]:
        if not is_invoice_id(invoice_id):
            raise invoice_not_found()
        name = invoice_name(invoice_id)
        reason = await self._policy.reason_to_view(holder, name)
        if reason is None:
            raise invoice_not_found()
        return name, reason

    async def _detail(self, name: str, reason: str, language: str) -> InvoiceDetail:
        try:
            invoice = await self._invoices.get_invoice(name, language)
        except UpstreamError as error:
            # Allowed a moment ago but gone now: still the one "not found" answer.
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise
        return detail_from_invoice(invoice, reason)

    async def _timeline(self, name: str, language: str) -> list[TimelineEntry]:
        try:
            return timeline_from_events(await self._invoices.list_invoice_events(name, language))
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise

    async def detail(self, holder: GrantHolder, invoice_id: str, language: str) -> InvoiceDetail:
        """The invoice with its ledger and rows, texts in ``language``."""
        name, reason = await self._authorize(holder, invoice_id)
        return await self._detail(name, reason, language)

    async def timeline(
        self, holder: GrantHolder, invoice_id: str, language: str
    ) -> list[TimelineEntry]:
        """The status timeline, oldest first, titles in ``language``."""
        name, _ = await self._authorize(holder, invoice_id)
        return await self._timeline(name, language)

    async def page(self, holder: GrantHolder, invoice_id: str, language: str) -> InvoicePageData:
        """Details and timeline, fetched together. A timeline that fails for another reason
        than "not found" leaves the page usable (it says the timeline is unavailable)."""
        name, reason = await self._authorize(holder, invoice_id)
        detail, timeline = await asyncio.gather(
            self._detail(name, reason, language),
            self._timeline(name, language),
            return_exceptions=True,
        )
        if isinstance(detail, BaseException):
            raise detail
        if isinstance(timeline, UpstreamError):
            _log.warning("timeline_unavailable", invoice=name, code=timeline.rpc_error.code.name)
            return InvoicePageData(detail, None)
        if isinstance(timeline, BaseException):
            raise timeline
        return InvoicePageData(detail, timeline)

    async def document(self, holder: GrantHolder, invoice_id: str) -> InvoiceDocument:
        """The invoice image as a PDF with a safe file name; anything that is not a PDF is
        refused (it would otherwise be shown inline under our origin)."""
        name, _ = await self._authorize(holder, invoice_id)
        try:
            document = await self._invoices.get_invoice_document(name)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise
        if not _is_pdf(document):
            _log.error("invoice_document_not_pdf", invoice=name)
            raise document_unavailable()
        return InvoiceDocument(
            media_type=PDF_MEDIA_TYPE,
            content=document.content,
            filename=safe_pdf_filename(document.filename),
            original=document.original,
        )
