"""Letters sent about an invoice: the invoice itself, reminders, payment demands and
the payment-monitoring letter.

A letter is a fact: once issued it never changes. The invoice keeps its letters in
order; the next letter's timing (spacing, pay-by dates) and fee (the repeat-demand
rule) are decided from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvalidValue


class LetterType(StrEnum):
    """What kind of letter was sent."""

    INVOICE = "invoice"
    REMINDER = "reminder"
    PAYMENT_DEMAND = "payment_demand"
    PAYMENT_MONITORING_LETTER = "payment_monitoring_letter"
    #: Confirms a due-date extension or a payment plan (its new date, fee, schedule).
    PAYMENT_TIME_CONFIRMATION = "payment_time_confirmation"
    #: Reminds of a missed plan instalment. Its own type, not ``REMINDER``: a reminder
    #: counts for the collection letters' spacing, sequence and pay-by date, which a
    #: free plan reminder must not change (shown as a reminder to the person).
    PAYMENT_PLAN_REMINDER = "payment_plan_reminder"
    #: A message from customer service to the debtor, e.g. the outcome of a dispute. Its
    #: words are in ``Letter.body``; it asks for no payment and carries no fee.
    CUSTOMER_SERVICE_MESSAGE = "customer_service_message"


#: Letters of voluntary collection: the spacing rule counts from the latest of these.
#: Payment-time letters are free and never count for spacing, sequence or cost caps.
COLLECTION_LETTER_TYPES = frozenset({LetterType.REMINDER, LetterType.PAYMENT_DEMAND})


@dataclass(frozen=True, slots=True, kw_only=True)
class Letter:
    """One letter sent to the debtor.

    ``due_date`` is the pay-by date the letter gives (it does not move the
    invoice's own due date, from which penalty interest runs); ``fee`` is what the
    letter charged (``None`` when the letter type never carries a fee, zero when a
    fee was possible but none was charged); ``open_amount`` is what the letter asks
    for, including its own fee; ``sequence`` counts letters of the same type from 1.
    """

    id: str
    type: LetterType
    issued_on: date
    due_date: date
    fee: Money | None
    open_amount: Money
    sequence: int
    #: Plain text written by a person (customer-service messages); empty for the
    #: letters drawn from the invoice's figures.
    body: str = ""

    def __post_init__(self) -> None:
        if self.due_date < self.issued_on:
            raise InvalidValue("a letter's pay-by date cannot be before its issue date")
        if self.sequence < 1:
            raise InvalidValue("a letter's sequence number starts from 1")
        if self.open_amount.is_negative():
            raise InvalidValue("a letter's open amount cannot be negative")
        if self.fee is not None:
            if self.fee.is_negative():
                raise InvalidValue("a letter's fee cannot be negative")
            if self.fee.currency != self.open_amount.currency:
                raise InvalidValue("a letter's amounts must share one currency")

    @property
    def is_collection_letter(self) -> bool:
        """True for a reminder or payment demand (the letters the collection rules count)."""
        return self.type in COLLECTION_LETTER_TYPES

    @property
    def is_chargeable(self) -> bool:
        """True when the letter charged a fee."""
        return self.fee is not None and self.fee.is_positive()

    @property
    def days_to_pay(self) -> int:
        """Days between issue and the pay-by date."""
        return (self.due_date - self.issued_on).days
