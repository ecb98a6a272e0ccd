"""*Avaa lasku*: the invoice image and the letters as PDF.

The original PDF is returned when the creditor sent one with the invoice;
otherwise the image is rendered from the invoice's data in the requested
language. Letters are rendered when they are issued and kept as sent, so a
letter reads the same years later whatever the templates have become.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from ropo_platform.errors import NotFound

from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.ports import DocumentKind
from ropo_invoice.service_layer.unit_of_work import UnitOfWorkFactory

PDF = "application/pdf"


class InvoiceRenderer(Protocol):
    """Port: draws an invoice image (an adapter implements it with a PDF library)."""

    def render_invoice(self, invoice: Invoice, language: Language) -> bytes:
        """The invoice as a PDF in ``language``."""
        ...


class LetterNotFound(NotFound):
    """No such letter for this invoice (``NOT_FOUND``)."""

    default_reason = "LETTER_NOT_FOUND"

    def __init__(self, letter_name: str) -> None:
        super().__init__(
            message="letter not found",
            resource_type="ropo.invoice.v1.Letter",
            resource_name=letter_name,
        )


@dataclass(frozen=True, slots=True)
class Document:
    """A document ready to send."""

    media_type: str
    content: bytes
    filename: str
    original: bool


@dataclass(slots=True)
class InvoiceDocuments:
    """The document use cases."""

    uow: UnitOfWorkFactory
    renderer: InvoiceRenderer

    async def invoice_image(self, invoice_id: str, language: Language) -> Document:
        """The original PDF if stored, else a rendering of the invoice's data."""
        async with self.uow(read_only=True) as uow:
            invoice = await uow.invoices.get(invoice_id)
            if invoice is None:
                raise InvoiceNotFound(f"invoices/{invoice_id}")
            original = await uow.documents.get(invoice_id, DocumentKind.ORIGINAL)
        filename = _filename("lasku", invoice)
        if original is not None:
            return Document(original.media_type, original.content, filename, original=True)
        # Drawing takes milliseconds of CPU: off the event loop, other calls keep flowing.
        content = await asyncio.to_thread(self.renderer.render_invoice, invoice, language)
        return Document(PDF, content, filename, original=False)

    async def letter(self, invoice_id: str, letter_id: str) -> Document:
        """A letter as it was sent."""
        async with self.uow(read_only=True) as uow:
            if not await uow.invoices.exists(invoice_id):
                raise InvoiceNotFound(f"invoices/{invoice_id}")
            stored = await uow.documents.get(invoice_id, DocumentKind.LETTER, letter_id)
        if stored is None:
            raise LetterNotFound(f"invoices/{invoice_id}/letters/{letter_id}")
        return Document(stored.media_type, stored.content, f"kirje-{letter_id}.pdf", False)


def _filename(kind: str, invoice: Invoice) -> str:
    # Only characters safe in a Content-Disposition header and on every file system.
    number = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in invoice.invoice_number)
    return f"{kind}-{number}.pdf"
