"""Domain events: facts the invoice aggregate records while it changes.

Plain dataclasses, private to this service. The unit of work collects them on
commit; the service layer records each as a row of the invoice's timeline and
translates those other services need into integration events (proto messages of
``ropo.invoice.v1``) written to the outbox in the same transaction. Every change
of the aggregate records the events its timeline needs, and nothing more.
They never carry a henkilötunnus: a person is only their party name. (The
overpayment and refund events carry the debtor's name and language because the
refund flow writes to the debtor; they still carry no identity code.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ropo_platform.money import Money

from ropo_invoice.domain.dispute import DisputeOutcome
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.letters import Letter
from ropo_invoice.domain.party import DebtorKind, Language
from ropo_invoice.domain.payment_plan import PaymentPlan
from ropo_invoice.domain.stage import Stage


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of domain events: every event is about one invoice at one instant."""

    invoice_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceRegistered(Event):
    """A new invoice was imported."""

    creditor_id: str
    debtor_party: str
    debtor_kind: DebtorKind
    invoice_number: str
    reference: str
    case_number: str
    due_date: date
    total_amount: Money
    stage: Stage


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceStageChanged(Event):
    """The invoice moved from ``previous`` to ``stage``."""

    previous: Stage
    stage: Stage
    debtor_party: str
    creditor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterIssued(Event):
    """A letter (reminder, payment demand, …) was issued; rendering and sending follow."""

    letter: Letter


@dataclass(frozen=True, slots=True, kw_only=True)
class CostAdded(Event):
    """A fee was charged to the ledger as component ``component_id``."""

    type: ComponentType
    amount: Money
    component_id: str
    #: The letter the fee belongs to, when it came with one.
    letter_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InterestCharged(Event):
    """Penalty interest on ``principal`` for the days ``start``..``end`` (both included)."""

    amount: Money
    start: date
    end: date
    principal: Money
    component_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentConfirmed(Event):
    """The payment provider confirmed a payment that has not settled yet (*Maksettu MyRopossa*)."""

    payment: str
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentReceived(Event):
    """Money arrived and was allocated: ``allocated`` covered components, the rest is excess."""

    payment: str
    amount: Money
    allocated: Money
    booked_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditNoteApplied(Event):
    """A credit note lowered the capital by ``amount``.

    ``reduced_open`` removed open capital; ``reapplied`` is capital already paid whose
    money now covers other open components; ``refund_due`` is what goes back to the
    debtor (``reduced_open + reapplied + refund_due == amount``).
    """

    credit_note_number: str
    amount: Money
    reduced_open: Money
    reapplied: Money
    refund_due: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class OverpaymentDetected(Event):
    """A payment was larger than what was open; ``amount`` is the excess to refund."""

    payment: str
    amount: Money
    debtor_party: str
    debtor_name: str
    language: Language
    creditor_id: str
    case_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditNoteRefundDue(Event):
    """A credit note made already paid capital refundable; ``amount`` goes to the debtor."""

    credit_note_number: str
    amount: Money
    debtor_party: str
    debtor_name: str
    language: Language
    creditor_id: str
    case_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoicePaid(Event):
    """Nothing is open any more and payments covered the invoice (stage ``PAID``)."""

    paid_amount: Money
    debtor_party: str
    creditor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DueDateExtended(Event):
    """The due date moved from ``previous_due_date`` to ``due_date`` for ``fee``."""

    previous_due_date: date
    due_date: date
    fee: Money
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentPlanCreated(Event):
    """A payment plan was made (``plan`` as made: nothing paid yet)."""

    plan: PaymentPlan
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentPlanInstalmentMissed(Event):
    """An instalment passed its due date unpaid; the person is reminded."""

    plan_id: str
    instalment_number: int
    due_date: date
    open_amount: Money
    cancel_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentPlanCompleted(Event):
    """Every instalment of the plan was paid."""

    plan_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentPlanCancelled(Event):
    """The plan ended before it was paid; collection continues."""

    plan_id: str
    missed_instalment: bool
    actor: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceDisputed(Event):
    """The debtor disputed ``amount`` (the whole open amount when ``whole``); the invoice
    is on hold until the dispute is resolved."""

    dispute_id: str
    amount: Money
    whole: bool
    attachment_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeResolved(Event):
    """An agent resolved the dispute; ``credited`` is what was credited (``None`` when
    rejected) and ``letter_id`` the message that told the debtor."""

    dispute_id: str
    outcome: DisputeOutcome
    credited: Money | None
    letter_id: str
