"""Commands: what a caller asks the invoice domain to do, already validated field by field.

``RegisterInvoice`` is what a Finvoice invoice (or any later import format)
boils down to, ``RegisterCreditNote`` what a Finvoice credit note does; together
they are a ``FinvoiceCommand``. The henkilötunnus travels only as a
``NationalId`` (masked in ``repr``) until the service layer hands it to the
protector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from ropo_platform.money import Money

from ropo_invoice.domain.identifiers import BankAccount, BusinessId, NationalId, PaymentReference
from ropo_invoice.domain.model import InvoiceLine
from ropo_invoice.domain.party import DebtorKind, Language, PostalAddress


@dataclass(frozen=True, slots=True)
class IncomingCreditor:
    """The creditor as the import describes it."""

    name: str
    business_id: BusinessId
    account: BankAccount


@dataclass(frozen=True, slots=True)
class IncomingDebtor:
    """The debtor as the import describes it."""

    kind: DebtorKind
    name: str
    address: PostalAddress
    national_id: NationalId | None = None
    business_id: BusinessId | None = None


@dataclass(frozen=True, slots=True)
class RegisterInvoice:
    """Register one invoice of ``creditor`` (idempotent on creditor + invoice number)."""

    creditor: IncomingCreditor
    debtor: IncomingDebtor
    language: Language
    invoice_number: str
    issue_date: date
    due_date: date
    reference: PaymentReference
    #: The invoice's total including VAT, as printed.
    total_amount: Money
    #: What the debtor is asked to pay: the capital of the receivable (less than the
    #: total when part of the invoice was prepaid).
    amount_due: Money
    lines: tuple[InvoiceLine, ...] = ()
    #: Format of the source, e.g. "finvoice-3.0", for diagnostics.
    source_format: str = ""


@dataclass(frozen=True, slots=True)
class RegisterCreditNote:
    """Credit ``amount`` to the invoice ``original_invoice_number`` of ``creditor``
    (idempotent on creditor + credit note number).

    A credit note (Finvoice ``INV02`` / UN 381) writes its amounts negative; here
    ``amount`` is the positive sum to take off the original invoice.
    """

    creditor: IncomingCreditor
    credit_note_number: str
    original_invoice_number: str
    issue_date: date
    #: The positive amount to credit (the credit note's total including VAT).
    amount: Money
    #: The reference the credit note carries (usually the original invoice's), if any.
    reference: PaymentReference | None = None
    lines: tuple[InvoiceLine, ...] = ()
    #: Format of the source, e.g. "finvoice-3.0", for diagnostics.
    source_format: str = ""
    original_invoice_date: date | None = None
    #: The buyer as the credit note names it; the original invoice's debtor is authoritative.
    debtor: IncomingDebtor | None = None


FinvoiceCommand: TypeAlias = RegisterInvoice | RegisterCreditNote
"""What one Finvoice message asks for: register an invoice or credit one."""
