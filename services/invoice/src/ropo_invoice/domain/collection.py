"""The next step of voluntary collection, decided from the invoice alone.

``next_collection_step`` is a pure decision: given the invoice, today's date,
the creditor's policy and the cost rules, it says which letter (if any) is due
now, what it may charge and what stage it leads to. ``Invoice.progress_collection``
carries the step out. The worker calls it daily for every active invoice, so the
rules are written as "is the next letter due today?", never as a schedule.

Timing (consumer; DESIGN §5, §10 b as the 2024 decision reads it):
- the first letter when more than ``reminder_after_days`` (14) days have passed
  since the due date: day 14 no, day 15 yes;
- each later letter when more than 14 days have passed since the previous
  collection letter (companies: at least 10) *and* the previous letter's pay-by
  date has passed. The spacing counts from the previous letter of any fee,
  so that two chargeable letters can never be closer than the rule, even with a
  free letter between them;
- every letter gives ``days_to_pay`` (≥ 10) days to pay.

Fees: the asked fee is capped by ``costs.assess_fee`` (per action, count limits,
consumer total caps). The project charges no letter fee once the capital is
fully paid: chasing only costs with new costs is not good collection practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ropo_platform.money import Money

from ropo_invoice.domain.costs import (
    DEFAULT_COST_RULES,
    CollectionAction,
    CostRules,
    FeeAssessment,
    assess_fee,
    statutory_fee,
)
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.letters import COLLECTION_LETTER_TYPES, Letter, LetterType
from ropo_invoice.domain.party import DebtorKind
from ropo_invoice.domain.policy import DEFAULT_COLLECTION_POLICY, CollectionPolicy
from ropo_invoice.domain.stage import Stage

if TYPE_CHECKING:
    from ropo_invoice.domain.model import Invoice

#: Stages in which the worker sends letters by itself.
COLLECTING_STAGES = frozenset({Stage.INVOICE, Stage.REMINDER, Stage.COLLECTION})


@dataclass(frozen=True, slots=True)
class CollectionStep:
    """One letter that is due now, with its fee and the stage it leads to."""

    letter_type: LetterType
    stage: Stage
    issued_on: date
    due_date: date
    #: 1 for the first letter of its type, 2 for the second…
    sequence: int
    fee: FeeAssessment
    #: The company fixed compensation charged with this letter, when any.
    fixed_compensation: FeeAssessment | None = None

    @property
    def fees(self) -> tuple[FeeAssessment, ...]:
        """Every fee the step charges (zero fees included)."""
        extra = () if self.fixed_compensation is None else (self.fixed_compensation,)
        return (self.fee, *extra)


def collection_letters(letters: tuple[Letter, ...]) -> tuple[Letter, ...]:
    """Reminders and payment demands, in the order issued."""
    return tuple(letter for letter in letters if letter.type in COLLECTION_LETTER_TYPES)


def _first_letter_due(invoice: Invoice, today: date, policy: CollectionPolicy) -> bool:
    waited = (today - invoice.due_date).days
    return waited > policy.reminder_wait_days(invoice.debtor.kind)


def _next_letter_due(
    previous: Letter, kind: DebtorKind, today: date, policy: CollectionPolicy
) -> bool:
    return today > previous.due_date and policy.spacing_allows(
        kind, (today - previous.issued_on).days
    )


def _next_letter_type(invoice: Invoice, policy: CollectionPolicy) -> LetterType | None:
    sent = collection_letters(invoice.letters)
    first_may_remind = not sent and invoice.stage is not Stage.COLLECTION
    if first_may_remind and policy.sends_reminder_to(invoice.debtor.kind):
        return LetterType.REMINDER
    demands = sum(1 for letter in sent if letter.type is LetterType.PAYMENT_DEMAND)
    if demands >= policy.max_payment_demands:
        return None
    return LetterType.PAYMENT_DEMAND


def _asked_fee(
    invoice: Invoice,
    action: CollectionAction,
    configured: Money | None,
    today: date,
    previous_actions: int,
    rules: CostRules,
) -> Money:
    ledger = invoice.ledger
    if ledger.open_capital.is_zero():
        return Money.zero(ledger.currency)
    if configured is not None:
        # Caps exist only in euros; an invoice in another currency carries no fees.
        same_currency = configured.currency == ledger.currency
        return configured if same_currency else Money.zero(ledger.currency)
    return statutory_fee(
        invoice.debtor.kind,
        action,
        ledger.net_capital,
        on=today,
        previous_actions=previous_actions,
        rules=rules,
    )


def next_collection_step(
    invoice: Invoice,
    today: date,
    policy: CollectionPolicy = DEFAULT_COLLECTION_POLICY,
    rules: CostRules = DEFAULT_COST_RULES,
) -> CollectionStep | None:
    """The letter due for ``invoice`` on ``today``, or ``None`` when nothing is due.

    Nothing is due for an invoice that has ended, is disputed or in payment
    monitoring, has a payment confirmed but not settled (*Maksettu MyRopossa*),
    has an active payment plan, has nothing open, is not overdue, or whose
    previous letter is too recent or not yet due. After ``max_payment_demands``
    demands voluntary collection is over and the next step (court) is not
    automatic.
    """
    if invoice.stage not in COLLECTING_STAGES or invoice.paid_in_myropo:
        return None
    if invoice.active_plan is not None:
        # The plan's own reminders and cancellation replace letters while it runs.
        return None
    if invoice.ledger.is_settled or today <= invoice.due_date:
        return None
    kind = invoice.debtor.kind
    sent = collection_letters(invoice.letters)
    if sent:
        if not _next_letter_due(sent[-1], kind, today, policy):
            return None
    elif not _first_letter_due(invoice, today, policy):
        return None
    letter_type = _next_letter_type(invoice, policy)
    if letter_type is None:
        return None

    same_type = sum(1 for letter in sent if letter.type is letter_type)
    if letter_type is LetterType.REMINDER:
        action, configured, stage = CollectionAction.REMINDER, policy.reminder_fee, Stage.REMINDER
    else:
        action, configured = CollectionAction.PAYMENT_DEMAND, policy.payment_demand_fee
        stage = Stage.COLLECTION
    asked = _asked_fee(invoice, action, configured, today, same_type, rules)
    fee = assess_fee(
        invoice.ledger, kind, action, asked, on=today, previous_actions=same_type, rules=rules
    )
    if fee.allowed.is_zero() and not policy.send_letters_without_fee:
        return None
    return CollectionStep(
        letter_type=letter_type,
        stage=stage,
        issued_on=today,
        due_date=today + timedelta(days=policy.days_to_pay),
        sequence=same_type + 1,
        fee=fee,
        fixed_compensation=_fixed_compensation(invoice, today, policy, rules),
    )


def _fixed_compensation(
    invoice: Invoice, today: date, policy: CollectionPolicy, rules: CostRules
) -> FeeAssessment | None:
    ledger = invoice.ledger
    if (
        invoice.debtor.kind is not DebtorKind.ORGANIZATION
        or not policy.charge_fixed_compensation
        or ledger.count_of(ComponentType.FIXED_COMPENSATION) > 0
        or ledger.open_capital.is_zero()
    ):
        return None
    action = CollectionAction.FIXED_COMPENSATION
    asked = statutory_fee(invoice.debtor.kind, action, ledger.net_capital, on=today, rules=rules)
    assessment = assess_fee(ledger, invoice.debtor.kind, action, asked, on=today, rules=rules)
    return assessment if assessment.allowed.is_positive() else None
