"""A creditor's collection policy: which letters are sent, when, and what they ask.

The defaults follow the statutory minimums (DESIGN §5, Debt Collection Act §10 b
as read by the Consumer Ombudsman's decision of 21.10.2024): a reminder only
when *more than* 14 days have passed since the due date, consumer letters more
than 14 days apart, company letters at least 10 days apart, and every letter
giving at least 10 days to pay. A creditor may make the process slower or
cheaper, never faster or dearer than the law: validation refuses such values,
and the cost tables cap every fee whatever the policy asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ropo_platform.errors import FieldViolation, ValidationFailed
from ropo_platform.money import Money

from ropo_invoice.domain.party import DebtorKind

#: §10 b: nothing chargeable until more than 14 days after the due date or the previous letter.
CONSUMER_MIN_DAYS = 14
#: Company receivables: chargeable letters at least 10 days apart.
COMPANY_MIN_SPACING_DAYS = 10
#: The Consumer Ombudsman's minimum time to pay or object after a collection letter.
MIN_DAYS_TO_PAY = 10
#: Beyond this a "pay by" date stops being a reminder; a typo (140) is refused.
MAX_DAYS_TO_PAY = 60


class CollectionPolicyInvalid(ValidationFailed):
    """A policy value breaks a statutory minimum or is out of range (``INVALID_ARGUMENT``)."""

    default_reason = "COLLECTION_POLICY_INVALID"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        shown = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(violations, f"collection policy rejected: {shown}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionPolicy:
    """How one creditor's overdue invoices are collected.

    A fee of ``None`` asks the statutory maximum for the action (5 € consumer /
    12 € company for a reminder; the capital tier for a payment demand); a given
    fee is still capped. Day counts are whole days.
    """

    reminder_enabled: bool = True
    reminder_fee: Money | None = None
    #: A reminder goes out when *more than* this many days have passed since the due date.
    reminder_after_days: int = CONSUMER_MIN_DAYS
    #: The same for company debtors (no statutory minimum; the default matches consumers).
    company_reminder_after_days: int = CONSUMER_MIN_DAYS
    #: Company debtors get a payment demand straight away when this is set.
    skip_reminder_for_companies: bool = False
    payment_demand_fee: Money | None = None
    #: Payment demands sent at most (only two may ever carry a fee for a consumer).
    max_payment_demands: int = 2
    #: Consumer letters: the next one when *more than* this many days after the previous.
    consumer_letter_spacing_days: int = CONSUMER_MIN_DAYS
    #: Company letters: the next one when *at least* this many days after the previous.
    company_letter_spacing_days: int = COMPANY_MIN_SPACING_DAYS
    #: Each letter's pay-by date is this many days after it is issued.
    days_to_pay: int = 14
    #: Send a letter even when no fee may be charged for it (caps or count limits reached).
    send_letters_without_fee: bool = True
    #: Company debtors: charge the €40 fixed compensation with the first collection letter.
    charge_fixed_compensation: bool = False

    def __post_init__(self) -> None:
        violations: list[FieldViolation] = []

        def check(condition: bool, name: str, description: str) -> None:
            if not condition:
                violations.append(FieldViolation(f"collection_policy.{name}", description))

        check(
            self.reminder_after_days >= CONSUMER_MIN_DAYS,
            "reminder_after_days",
            f"must be at least {CONSUMER_MIN_DAYS} (a reminder only after more than 14 days)",
        )
        check(self.company_reminder_after_days >= 0, "company_reminder_after_days", "is negative")
        check(
            self.consumer_letter_spacing_days >= CONSUMER_MIN_DAYS,
            "consumer_letter_spacing_days",
            f"must be at least {CONSUMER_MIN_DAYS} (letters more than 14 days apart)",
        )
        check(
            self.company_letter_spacing_days >= COMPANY_MIN_SPACING_DAYS,
            "company_letter_spacing_days",
            f"must be at least {COMPANY_MIN_SPACING_DAYS}",
        )
        check(
            MIN_DAYS_TO_PAY <= self.days_to_pay <= MAX_DAYS_TO_PAY,
            "days_to_pay",
            f"must be from {MIN_DAYS_TO_PAY} to {MAX_DAYS_TO_PAY} days",
        )
        check(0 <= self.max_payment_demands <= 10, "max_payment_demands", "must be from 0 to 10")
        for name, fee in (
            ("reminder_fee", self.reminder_fee),
            ("payment_demand_fee", self.payment_demand_fee),
        ):
            check(fee is None or not fee.is_negative(), name, "cannot be negative")
        if violations:
            raise CollectionPolicyInvalid(violations)

    def reminder_wait_days(self, debtor_kind: DebtorKind) -> int:
        """Days that must be exceeded after the due date before the first letter."""
        if debtor_kind is DebtorKind.PERSON:
            return self.reminder_after_days
        return self.company_reminder_after_days

    def sends_reminder_to(self, debtor_kind: DebtorKind) -> bool:
        """True when the first collection letter to such a debtor is a reminder."""
        if not self.reminder_enabled:
            return False
        return not (debtor_kind is DebtorKind.ORGANIZATION and self.skip_reminder_for_companies)

    def spacing_allows(self, debtor_kind: DebtorKind, days_since_previous: int) -> bool:
        """True when a letter may follow the previous one after ``days_since_previous``.

        Consumers: more than the spacing (day 15 for 14). Companies: at least it.
        """
        if debtor_kind is DebtorKind.PERSON:
            return days_since_previous > self.consumer_letter_spacing_days
        return days_since_previous >= self.company_letter_spacing_days


DEFAULT_COLLECTION_POLICY = CollectionPolicy()
