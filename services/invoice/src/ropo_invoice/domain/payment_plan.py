"""Payment plans (*maksusuunnitelma*): an invoice's open amount plus the plan fee,
split into monthly instalments.

Schedule rule: instalment ``k`` (1-based) is due ``k`` calendar months after the
day the plan is made; a day the month lacks becomes its last day (31.1. → 28.2.).
Amounts: the total is divided evenly in cents, rounded down, and the last
instalment absorbs the rounding, so the instalments always sum exactly to the
total and no instalment but the last is larger than another.

Payments are allocated to instalments in order (``allocate``); the plan completes
when every instalment is paid.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.stage import Stage

PAYMENT_PLANS_SEGMENT = "/paymentPlans/"


class PlanState(StrEnum):
    """Lifecycle of a plan."""

    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InstalmentState(StrEnum):
    """Lifecycle of an instalment."""

    OPEN = "open"
    PAID = "paid"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Instalment:
    """One instalment; ``overdue`` is set by the collection run when it was missed."""

    number: int
    due_date: date
    amount: Money
    paid_amount: Money
    overdue: bool = False

    @property
    def open_amount(self) -> Money:
        """What is still due on this instalment."""
        return self.amount - self.paid_amount

    @property
    def state(self) -> InstalmentState:
        """Paid when fully covered, overdue when flagged as missed, else open."""
        if not self.open_amount.is_positive():
            return InstalmentState.PAID
        return InstalmentState.OVERDUE if self.overdue else InstalmentState.OPEN


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole calendar months, clamped to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def instalment_amounts(total: Money, count: int) -> list[Money]:
    """``count`` amounts summing exactly to ``total``; the last absorbs the rounding."""
    if count < 1:
        raise InvalidValue("a plan needs at least one instalment")
    base = total.minor_units // count
    last = total.minor_units - base * (count - 1)
    amounts = [base] * (count - 1) + [last]
    return [Money.from_minor_units(amount, total.currency) for amount in amounts]


def build_schedule(total: Money, count: int, made_on: date) -> tuple[Instalment, ...]:
    """The instalments of a plan of ``count`` made on ``made_on``, nothing paid."""
    zero = Money.zero(total.currency)
    return tuple(
        Instalment(number, add_months(made_on, number), amount, zero)
        for number, amount in enumerate(instalment_amounts(total, count), start=1)
    )


@dataclass(slots=True, kw_only=True)
class PaymentPlan:
    """A plan of one invoice. At most one per invoice is ``ACTIVE``."""

    id: str
    state: PlanState
    instalments: tuple[Instalment, ...]
    fee: Money
    total_amount: Money
    created_at: datetime
    #: The stage the invoice was in when the plan was made; collection resumes from it.
    original_stage: Stage
    cancelled_at: datetime | None = None
    missed_instalment: bool = False
    cancel_reason: str = ""

    @property
    def is_active(self) -> bool:
        """True while instalments are being paid."""
        return self.state is PlanState.ACTIVE

    @property
    def paid_amount(self) -> Money:
        """Everything allocated to the instalments."""
        return Money.sum((i.paid_amount for i in self.instalments), self.total_amount.currency)

    def resource_name(self, invoice_id: str) -> str:
        """``invoices/{invoice}/paymentPlans/{plan}``."""
        return f"invoices/{invoice_id}{PAYMENT_PLANS_SEGMENT}{self.id}"

    def allocate(self, amount: Money) -> Money:
        """Cover instalments in order with ``amount``; returns what did not fit.

        The plan completes when every instalment is paid.
        """
        left = amount
        updated: list[Instalment] = []
        for instalment in self.instalments:
            share = min(left, instalment.open_amount)
            if share.is_positive():
                instalment = replace(instalment, paid_amount=instalment.paid_amount + share)
                left = left - share
            updated.append(instalment)
        self.instalments = tuple(updated)
        if all(i.state is InstalmentState.PAID for i in self.instalments):
            self.state = PlanState.COMPLETED
        return left

    def first_missed(self, today: date) -> Instalment | None:
        """The earliest instalment past its due date and not fully paid."""
        for instalment in self.instalments:
            if instalment.due_date < today and instalment.open_amount.is_positive():
                return instalment
        return None

    def mark_overdue(self, number: int) -> None:
        """Flag instalment ``number`` as missed (a reminder went out)."""
        self.instalments = tuple(
            replace(i, overdue=True) if i.number == number else i for i in self.instalments
        )

    def complete(self) -> None:
        """Every cent owed is covered (e.g. the invoice was paid in one go)."""
        self.state = PlanState.COMPLETED

    def cancel(self, now: datetime, *, missed_instalment: bool, reason: str = "") -> None:
        """End the plan; collection continues from ``original_stage``."""
        self.state = PlanState.CANCELLED
        self.cancelled_at = now
        self.missed_instalment = missed_instalment
        self.cancel_reason = reason
