"""What a Finvoice message asks for: register an invoice, or credit one (credit note).

A message is a credit note when ``InvoiceTypeCode`` is ``INV02`` or
``InvoiceTypeCodeUN`` is ``381`` (the EN 16931 code); an ``INV02`` whose UN code
says anything else contradicts itself and is rejected. Only invoices (``INV01``)
and credit notes are imported.
"""

from __future__ import annotations

from enum import Enum

from ropo_invoice.adapters.finvoice.amounts import read_credit_amount, read_invoice_amounts
from ropo_invoice.adapters.finvoice.document import version_of
from ropo_invoice.adapters.finvoice.parties import read_buyer, read_language, read_seller
from ropo_invoice.adapters.finvoice.paths import (
    DATE_PATH,
    DUE_DATE_PATHS,
    NUMBER_PATH,
    ORIGINAL_DATE_PATH,
    ORIGINAL_NUMBER_PATH,
    ORIGINAL_REFERENCE_DATE_PATH,
    ORIGINAL_REFERENCE_NUMBER_PATH,
    REFERENCE_PATH,
    REFERENCE_SCHEME_PATH,
    TYPE_CODE_PATH,
    TYPE_CODE_UN_PATH,
)
from ropo_invoice.adapters.finvoice.reader import DEFAULT_CURRENCY, Reader
from ropo_invoice.adapters.finvoice.rows import read_rows
from ropo_invoice.domain.commands import FinvoiceCommand, RegisterCreditNote, RegisterInvoice
from ropo_invoice.domain.identifiers import PaymentReference, ReferenceKind, parse_invoice_number

INVOICE_TYPE = "INV01"
CREDIT_NOTE_TYPE = "INV02"
UN_CREDIT_NOTE = "381"
_SCHEMES = {"SPY": ReferenceKind.NATIONAL, "ISO": ReferenceKind.RF}


class MessageKind(Enum):
    """The two kinds of Finvoice message that are imported."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def read_message(reader: Reader) -> FinvoiceCommand | None:
    """The command the message asks for, or ``None`` when a required part could not be
    read. Problems are recorded on ``reader``; a command is usable only when it has none."""
    if _kind(reader) is MessageKind.CREDIT_NOTE:
        return _credit_note(reader)
    return _invoice(reader)


def _kind(reader: Reader) -> MessageKind:
    """The kind the type codes say; a contradiction or an unsupported code is recorded,
    and the message is then still read as its most likely kind so that all its other
    problems are reported too."""
    code = reader.text(TYPE_CODE_PATH).upper()
    un_code = reader.text(TYPE_CODE_UN_PATH, required=False)
    if code == CREDIT_NOTE_TYPE:
        if un_code and un_code != UN_CREDIT_NOTE:
            reader.violation(
                TYPE_CODE_UN_PATH,
                f"contradicts {TYPE_CODE_PATH} {CREDIT_NOTE_TYPE} (a credit note is "
                f"{UN_CREDIT_NOTE})",
            )
        return MessageKind.CREDIT_NOTE
    if code and code != INVOICE_TYPE:
        reader.violation(
            TYPE_CODE_PATH,
            f"only invoices ({INVOICE_TYPE}) and credit notes ({CREDIT_NOTE_TYPE}) are imported",
            "UNSUPPORTED",
        )
    return MessageKind.CREDIT_NOTE if un_code == UN_CREDIT_NOTE else MessageKind.INVOICE


def _invoice(reader: Reader) -> RegisterInvoice | None:
    seller = read_seller(reader)
    buyer = read_buyer(reader)
    language = read_language(reader)
    number = _number(reader, NUMBER_PATH)
    issue_date = reader.date_at(DATE_PATH)
    due_raw, due_path = reader.first_text(DUE_DATE_PATHS)
    due_date = reader.parse_date(due_path, due_raw)
    if issue_date and due_date and due_date < issue_date:
        reader.violation(due_path, f"is before {DATE_PATH}")
    reference = _reference(reader, required=True)
    total, due = read_invoice_amounts(reader)
    lines = read_rows(reader, total.currency if total else DEFAULT_CURRENCY)
    if (
        seller is None
        or buyer is None
        or number is None
        or issue_date is None
        or due_date is None
        or reference is None
        or total is None
        or due is None
    ):
        return None
    return RegisterInvoice(
        creditor=seller,
        debtor=buyer,
        language=language,
        invoice_number=number,
        issue_date=issue_date,
        due_date=due_date,
        reference=reference,
        total_amount=total,
        amount_due=due,
        lines=lines,
        source_format=_source_format(reader),
    )


def _credit_note(reader: Reader) -> RegisterCreditNote | None:
    seller = read_seller(reader)
    # The original invoice's debtor is authoritative; the postal code is not needed here.
    buyer = read_buyer(reader, postal_code_required=False)
    number = _number(reader, NUMBER_PATH)
    original_number = _original_invoice_number(reader)
    if number and original_number and number == original_number:
        reader.violation(ORIGINAL_NUMBER_PATH, f"must differ from {NUMBER_PATH}")
        original_number = None
    issue_date = reader.date_at(DATE_PATH)
    original_date = reader.date_at(ORIGINAL_DATE_PATH, required=False) or reader.date_at(
        ORIGINAL_REFERENCE_DATE_PATH, required=False
    )
    reference = _reference(reader, required=False)
    amount = read_credit_amount(reader)
    lines = read_rows(reader, amount.currency if amount else DEFAULT_CURRENCY)
    if (
        seller is None
        or buyer is None
        or number is None
        or original_number is None
        or issue_date is None
        or amount is None
    ):
        return None
    return RegisterCreditNote(
        creditor=seller,
        credit_note_number=number,
        original_invoice_number=original_number,
        issue_date=issue_date,
        amount=amount,
        reference=reference,
        lines=lines,
        source_format=_source_format(reader),
        original_invoice_date=original_date,
        debtor=buyer,
    )


def _number(reader: Reader, path: str) -> str | None:
    raw = reader.text(path)
    return reader.convert(path, raw, parse_invoice_number) if raw else None


def _original_invoice_number(reader: Reader) -> str | None:
    raw, path = reader.first_text(
        (ORIGINAL_NUMBER_PATH, ORIGINAL_REFERENCE_NUMBER_PATH), required=False
    )
    if not raw:
        reader.violation(
            ORIGINAL_NUMBER_PATH, "is required on a credit note (the invoice it credits)", "MISSING"
        )
        return None
    return reader.convert(path, raw, parse_invoice_number)


def _reference(reader: Reader, *, required: bool) -> PaymentReference | None:
    """The payment reference, its check digits validated; the scheme attribute, when
    given, must match its kind (SPY national, ISO RF)."""
    raw = reader.text(REFERENCE_PATH, required=required)
    node = reader.node(REFERENCE_PATH)
    if not raw or node is None:
        return None
    reference = reader.convert(REFERENCE_PATH, raw, PaymentReference.parse)
    scheme = (node.get("IdentificationSchemeName") or "").strip().upper()
    expected = _SCHEMES.get(scheme)
    if reference is not None and expected is not None and expected is not reference.kind:
        reader.violation(
            REFERENCE_SCHEME_PATH, "SPY must carry a national reference and ISO an RF reference"
        )
        return None
    return reference


def _source_format(reader: Reader) -> str:
    return f"finvoice-{version_of(reader.root)}"
