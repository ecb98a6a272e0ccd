"""Commands: what a caller asks the invoice domain to do, already validated field by field.

``RegisterInvoice`` is what a Finvoice message (or any later import format)
boils down to. The henkilötunnus travels only as a ``NationalId`` (masked in
``repr``) until the service layer hands it to the protector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
