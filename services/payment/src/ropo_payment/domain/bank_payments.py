"""Reference payments from bank statements, and how one is matched to an invoice.

A bank entry is matched by its reference against the invoice index (the invoices
the invoice service has registered). An open invoice wins over a closed one with
the same reference; a closed invoice still matches, because the money is the
debtor's either way and the invoice service turns it into an overpayment and a
refund. Everything else is *unclear* with the reason, for the refund service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ropo_payment.domain.references import ClassifiedReference, UnclearReason

BANK_PAYMENTS = "bankPayments/"
BANK_STATEMENTS = "bankStatements/"
INVOICES = "invoices/"


class BankPaymentState(StrEnum):
    """Matching outcome of a bank payment (stored value)."""

    MATCHED = "matched"
    UNCLEAR = "unclear"


@dataclass(frozen=True, slots=True)
class InvoiceCandidate:
    """An invoice that carries the payer's reference (from the invoice index)."""

    invoice_id: str
    closed: bool


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """The invoice a payment belongs to, or why there is none."""

    state: BankPaymentState
    invoice_id: str | None
    unclear_reason: UnclearReason | None


def match_payment(
    reference: ClassifiedReference, candidates: Sequence[InvoiceCandidate]
) -> MatchOutcome:
    """Choose the invoice for a payment among the invoices with its reference.

    Several open invoices with one reference should not happen (the invoice
    service generates references); if it does, the smallest invoice id wins so
    that a re-run decides the same way.
    """
    if reference.problem is not None:
        return MatchOutcome(BankPaymentState.UNCLEAR, None, reference.problem)
    if not candidates:
        return MatchOutcome(BankPaymentState.UNCLEAR, None, UnclearReason.UNKNOWN_REFERENCE)
    ordered = sorted(candidates, key=lambda candidate: (candidate.closed, candidate.invoice_id))
    return MatchOutcome(BankPaymentState.MATCHED, ordered[0].invoice_id, None)


@dataclass(frozen=True, slots=True)
class BankPayment:
    """One incoming reference payment, as imported from a statement.

    ``reference`` is the machine format when valid, else what the payer gave
    (spaces removed). ``amount_minor`` is in cents of ``currency`` (always > 0).
    """

    id: str
    statement_id: str
    entry_key: str
    state: BankPaymentState
    reference: str
    amount_minor: int
    currency: str
    booking_date: date
    value_date: date | None
    payer_name: str
    archive_id: str
    invoice_id: str | None
    unclear_reason: UnclearReason | None
    create_time: datetime

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            raise ValueError("a bank payment is a credit: amount_minor must be positive")
        if (self.state is BankPaymentState.MATCHED) != (self.invoice_id is not None):
            raise ValueError("a matched payment has an invoice and an unclear one has none")

    @property
    def name(self) -> str:
        """Resource name, ``bankPayments/{id}``."""
        return BANK_PAYMENTS + self.id

    @property
    def statement_name(self) -> str:
        """The statement it came in, ``bankStatements/{id}``."""
        return BANK_STATEMENTS + self.statement_id

    @property
    def invoice_name(self) -> str:
        """``invoices/{id}`` of the matched invoice; empty when unclear."""
        return INVOICES + self.invoice_id if self.invoice_id is not None else ""
