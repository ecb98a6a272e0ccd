"""Invoice images and collection letters rendered as PDF (reportlab, standard fonts).

Build an ``InvoiceDocument`` or ``LetterDocument`` from the invoice and pass it to
``render_invoice_pdf`` or ``render_letter_pdf``; both return the PDF bytes.
"""

from ropo_invoice.adapters.documents.invoice_pdf import render_invoice_pdf
from ropo_invoice.adapters.documents.letter_pdf import letter_title, render_letter_pdf
from ropo_invoice.adapters.documents.model import (
    MIN_DAYS_TO_PAY,
    AmountRow,
    DocumentDataError,
    DocumentLine,
    IdentifierKind,
    InvoiceDocument,
    LetterDocument,
    LetterKind,
    PartyBlock,
    PartyIdentifier,
    PaymentAccount,
    VatRateTotal,
    vat_breakdown_from_lines,
)

__all__ = [
    "MIN_DAYS_TO_PAY",
    "AmountRow",
    "DocumentDataError",
    "DocumentLine",
    "IdentifierKind",
    "InvoiceDocument",
    "LetterDocument",
    "LetterKind",
    "PartyBlock",
    "PartyIdentifier",
    "PaymentAccount",
    "VatRateTotal",
    "letter_title",
    "render_invoice_pdf",
    "render_letter_pdf",
    "vat_breakdown_from_lines",
]
