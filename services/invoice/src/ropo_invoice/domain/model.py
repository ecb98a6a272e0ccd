"""Entities of the invoice context: the creditor and the invoice aggregate.

The ``Invoice`` is the aggregate root: its ledger, letters, lines and events
change only through it, and one unit of work stores it as a whole. Construction
from stored rows goes through the plain ``__init__``; new invoices come from
``register``, which checks the business rules and records ``InvoiceRegistered``.

Every change is a method that records the domain events its timeline needs:
collection letters (``progress_collection``), penalty interest
(``accrue_interest``), payments confirmed by the payment provider
(``confirm_payment``) and money received (``receive_payment``), and credit notes
(``apply_credit_note``). Payment ids and credit-note numbers already handled are
kept on the aggregate, so a redelivered message changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from ropo_platform.money import Money

from ropo_invoice.domain.collection import CollectionStep, next_collection_step
from ropo_invoice.domain.costs import DEFAULT_COST_RULES, CostRules
from ropo_invoice.domain.dispute import (
    MAX_MESSAGE_LENGTH,
    MAX_REASON_LENGTH,
    AttachmentInfo,
    Dispute,
    DisputeInvalid,
    DisputeNotAllowed,
    DisputeOutcome,
    DisputeState,
    attachment_violations,
    text_violations,
)
from ropo_invoice.domain.errors import (
    FeeChanged,
    FieldViolation,
    InvalidStageTransition,
    InvoiceValidationError,
    PaymentPlanNotFound,
    PaymentTimeNotAllowed,
)
from ropo_invoice.domain.events import (
    CostAdded,
    CreditNoteApplied,
    CreditNoteRefundDue,
    DisputeResolved,
    DueDateExtended,
    Event,
    InterestCharged,
    InvoiceDisputed,
    InvoicePaid,
    InvoiceRegistered,
    InvoiceStageChanged,
    LetterIssued,
    OverpaymentDetected,
    PaymentConfirmed,
    PaymentPlanCancelled,
    PaymentPlanCompleted,
    PaymentPlanCreated,
    PaymentPlanInstalmentMissed,
    PaymentReceived,
)
from ropo_invoice.domain.identifiers import (
    BankAccount,
    BusinessId,
    CaseNumber,
    MyRopoId,
    PaymentReference,
)
from ropo_invoice.domain.interest import ReferenceRateTable, penalty_interest
from ropo_invoice.domain.ledger import (
    Allocation,
    ComponentGroup,
    ComponentType,
    CreditExceedsCapital,
    CreditResult,
    Ledger,
    LedgerComponent,
    allocation_order_for,
    component_group,
)
from ropo_invoice.domain.letters import COLLECTION_LETTER_TYPES, Letter, LetterType
from ropo_invoice.domain.party import Debtor, Language
from ropo_invoice.domain.payment_plan import PaymentPlan, PlanState
from ropo_invoice.domain.payment_time import extension_option, plan_option
from ropo_invoice.domain.payment_time_policy import PaymentTimePolicy
from ropo_invoice.domain.policy import DEFAULT_COLLECTION_POLICY, CollectionPolicy
from ropo_invoice.domain.stage import Stage, display_status

INVOICES_PREFIX = "invoices/"
#: Longest court and case number printed on the payment-monitoring letter.
MAX_JUDGMENT_REFERENCE_LENGTH = 200
CREDITORS_PREFIX = "creditors/"


_ONE_DAY = timedelta(days=1)


def new_id() -> str:
    """A new entity id (UUID4 text): not guessable, not ordered, never a DB sequence."""
    return str(uuid.uuid4())


@dataclass(slots=True)
class Creditor:
    """A company on whose behalf Ropo invoices, known by its business ID."""

    id: str
    name: str
    business_id: BusinessId
    account: BankAccount | None
    created_at: datetime
    updated_at: datetime
    #: How this creditor's overdue invoices are collected (statutory defaults until set).
    collection_policy: CollectionPolicy = DEFAULT_COLLECTION_POLICY

    @classmethod
    def register(
        cls, name: str, business_id: BusinessId, account: BankAccount | None, now: datetime
    ) -> Creditor:
        """A creditor seen for the first time."""
        if not name.strip():
            raise InvoiceValidationError([FieldViolation("creditor.name", "is empty")])
        return cls(new_id(), name.strip(), business_id, account, now, now)

    @property
    def resource_name(self) -> str:
        """``creditors/{id}``."""
        return CREDITORS_PREFIX + self.id


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One row of the creditor's invoice, kept as sent for the invoice image.

    Amounts are plain decimals in ``currency`` rather than ``Money``: rows may carry
    more decimals than the currency's minor unit (unit prices such as 2,7937 €/kWh),
    and they are only shown, never booked — the ledger holds what is owed.
    """

    position: int
    description: str
    currency: str
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    vat_rate_percent: Decimal | None = None
    net_amount: Decimal | None = None
    vat_amount: Decimal | None = None
    gross_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CreditNoteOutcome:
    """What a credit note did: the ledger's credit, the paid money re-applied to other
    open components of the same invoice, and the rest that is due back to the debtor.

    ``credit.reduced_open + reapplied.applied_total + refund_due == credit.amount``.
    """

    credit: CreditResult
    reapplied: Allocation
    refund_due: Money


@dataclass(slots=True, eq=False)
class Invoice:
    """An invoice a creditor handed over, with its ledger and its stage.

    An entity: two objects are the same invoice when their ids are equal.
    """

    id: str
    invoice_number: str
    creditor_id: str
    creditor_name: str
    debtor: Debtor
    reference: PaymentReference
    case_number: CaseNumber
    myropo_id: MyRopoId
    issue_date: date
    original_due_date: date
    due_date: date
    stage: Stage
    ledger: Ledger
    payee_account: BankAccount
    created_at: datetime
    updated_at: datetime
    lines: tuple[InvoiceLine, ...] = ()
    paid_in_myropo: bool = False
    due_date_extension_count: int = 0
    paid_at: datetime | None = None
    #: Letters issued about the invoice, oldest first.
    letters: tuple[Letter, ...] = ()
    #: Payments (ids from the payment service or bank) already allocated.
    applied_payment_ids: tuple[str, ...] = ()
    #: Payments the payment provider confirmed (*Maksettu MyRopossa*), settled or not.
    confirmed_payment_ids: tuple[str, ...] = ()
    #: Credit notes (their invoice numbers) already applied.
    applied_credit_note_numbers: tuple[str, ...] = ()
    #: Last day for which penalty interest has been dealt with (charged or skipped).
    interest_accrued_until: date | None = None
    #: Payment plans ever made, oldest first; at most one is active.
    payment_plans: tuple[PaymentPlan, ...] = ()
    #: Where collection stood when the open dispute put it on hold (``None`` unless disputed).
    stage_before_dispute: Stage | None = None
    #: The court judgment that payment monitoring follows (set when monitoring starts).
    judgment_date: date | None = None
    judgment_reference: str = ""
    #: Optimistic-concurrency version; the repository bumps it on every update.
    version: int = 1
    #: Domain events recorded since the aggregate was loaded; the unit of work drains them.
    events: list[Event] = field(default_factory=list)

    @classmethod
    def register(
        cls,
        *,
        creditor: Creditor,
        invoice_number: str,
        debtor: Debtor,
        reference: PaymentReference,
        issue_date: date,
        due_date: date,
        capital: Money,
        payee_account: BankAccount,
        now: datetime,
        lines: Iterable[InvoiceLine] = (),
        invoice_id: str | None = None,
        case_number: CaseNumber | None = None,
        myropo_id: MyRopoId | None = None,
    ) -> Invoice:
        """A newly imported invoice in stage ``INVOICE`` with its capital in the ledger.

        Raises ``InvoiceValidationError`` (naming the domain field) when a rule fails.
        """
        violations: list[FieldViolation] = []
        if due_date < issue_date:
            violations.append(FieldViolation("due_date", "is before the issue date"))
        if not capital.is_positive():
            violations.append(FieldViolation("capital", "must be more than zero"))
        if violations:
            raise InvoiceValidationError(violations)
        invoice = cls(
            id=invoice_id or new_id(),
            invoice_number=invoice_number,
            creditor_id=creditor.id,
            creditor_name=creditor.name,
            debtor=debtor,
            reference=reference,
            case_number=case_number or CaseNumber.generate(),
            myropo_id=myropo_id or MyRopoId.generate(),
            issue_date=issue_date,
            original_due_date=due_date,
            due_date=due_date,
            stage=Stage.INVOICE,
            ledger=Ledger.open(capital, issue_date),
            payee_account=payee_account,
            created_at=now,
            updated_at=now,
            lines=tuple(lines),
        )
        invoice.events.append(
            InvoiceRegistered(
                invoice_id=invoice.id,
                occurred_at=now,
                creditor_id=creditor.id,
                debtor_party=debtor.party,
                debtor_kind=debtor.kind,
                invoice_number=invoice_number,
                reference=reference.value,
                case_number=invoice.case_number.value,
                due_date=due_date,
                total_amount=invoice.ledger.total_amount,
                stage=invoice.stage,
            )
        )
        return invoice

    @property
    def resource_name(self) -> str:
        """``invoices/{id}``."""
        return INVOICES_PREFIX + self.id

    @property
    def currency(self) -> str:
        """Currency of every amount of the invoice."""
        return self.ledger.currency

    @property
    def is_open(self) -> bool:
        """True while anything is open and the invoice has not ended."""
        return not self.stage.is_final and not self.ledger.is_settled

    @property
    def active_plan(self) -> PaymentPlan | None:
        """The plan being paid now, if any."""
        for plan in self.payment_plans:
            if plan.is_active:
                return plan
        return None

    def display_status(self, language: Language) -> str:
        """Localised status text (*Laskun tila*)."""
        return display_status(self.stage, self.paid_in_myropo, language)

    @property
    def pay_by_date(self) -> date:
        """The date the debtor is asked to pay by now: the latest letter's, else the due date."""
        sent = [letter for letter in self.letters if letter.type in COLLECTION_LETTER_TYPES]
        if sent and sent[-1].due_date > self.due_date:
            return sent[-1].due_date
        return self.due_date

    def move_to(self, target: Stage, now: datetime) -> None:
        """Change the stage along the stage machine; records ``InvoiceStageChanged``."""
        if not self.stage.can_move_to(target):
            raise InvalidStageTransition(self.resource_name, self.stage.value, target.value)
        previous, self.stage = self.stage, target
        self.updated_at = now
        self.events.append(
            InvoiceStageChanged(
                invoice_id=self.id,
                occurred_at=now,
                previous=previous,
                stage=target,
                debtor_party=self.debtor.party,
                creditor_id=self.creditor_id,
            )
        )

    # ------------------------------------------------------------------ collection

    def next_collection_step(
        self,
        today: date,
        policy: CollectionPolicy = DEFAULT_COLLECTION_POLICY,
        cost_rules: CostRules = DEFAULT_COST_RULES,
    ) -> CollectionStep | None:
        """The letter due today, without changing anything (see ``collection``)."""
        return next_collection_step(self, today, policy, cost_rules)

    def progress_collection(
        self,
        today: date,
        policy: CollectionPolicy,
        now: datetime,
        cost_rules: CostRules = DEFAULT_COST_RULES,
    ) -> Letter | None:
        """Issue the letter that is due today, if any, and return it.

        Charges the letter's allowed fee (and a company's fixed compensation when the
        policy asks for it), records the letter, and moves the stage (``INVOICE`` →
        ``REMINDER`` on a reminder, → ``COLLECTION`` on a payment demand). Events:
        ``CostAdded`` per fee, ``LetterIssued``, then ``InvoiceStageChanged`` when the
        stage changed. The worker should accrue interest first, so that the letter's
        open amount includes it.
        """
        step = next_collection_step(self, today, policy, cost_rules)
        if step is None:
            return None
        letter_id = new_id()
        for assessment in step.fees:
            if assessment.allowed.is_positive():
                self._charge_cost(
                    assessment.action.component_type, assessment.allowed, today, now, letter_id
                )
        letter = Letter(
            id=letter_id,
            type=step.letter_type,
            issued_on=step.issued_on,
            due_date=step.due_date,
            fee=step.fee.allowed,
            open_amount=self.ledger.open_amount,
            sequence=step.sequence,
        )
        self.letters = (*self.letters, letter)
        self.updated_at = now
        self.events.append(LetterIssued(invoice_id=self.id, occurred_at=now, letter=letter))
        if self.stage is not step.stage:
            self.move_to(step.stage, now)
        return letter

    def _charge_cost(
        self,
        type_: ComponentType,
        amount: Money,
        charge_date: date,
        now: datetime,
        letter_id: str = "",
    ) -> None:
        component = self.ledger.charge(type_, amount, charge_date)
        self.events.append(
            CostAdded(
                invoice_id=self.id,
                occurred_at=now,
                type=type_,
                amount=amount,
                component_id=component.id,
                letter_id=letter_id,
            )
        )

    # ------------------------------------------------------------------ interest

    def accrue_interest(
        self, until: date, table: ReferenceRateTable, now: datetime
    ) -> Money | None:
        """Charge penalty interest on the open capital for the days not yet dealt with.

        The days run from the day after the current due date (or after the last day
        already dealt with) through ``until``; each day is charged at most once. One
        ``PENALTY_INTEREST`` component and one ``InterestCharged`` event per charge;
        returns the amount charged, or ``None``.

        - Disputed: the days pass without interest (collection is on hold).
        - Paid in MyRopo: nothing is charged and the days wait for the settlement.
        - No open capital: the days pass without interest.
        - Less than a cent: nothing is charged and the days wait, so that daily
          accrual on a small capital does not lose the interest to rounding.

        ``UnknownReferenceRate`` when the table lacks a half-year; nothing changes then.
        """
        if self.stage.is_final:
            return None
        start = self.due_date + _ONE_DAY
        if self.interest_accrued_until is not None:
            start = max(start, self.interest_accrued_until + _ONE_DAY)
        if until < start or self.paid_in_myropo:
            return None
        principal = self.ledger.open_capital
        # A plan fixes what is owed: its days pass without interest, like a dispute's.
        if self.stage is Stage.DISPUTED or principal.is_zero() or self.active_plan is not None:
            self.interest_accrued_until = until
            self.updated_at = now
            return None
        amount = penalty_interest(principal, start, until, self.debtor.kind, table)
        if amount.is_zero():
            return None
        component = self.ledger.charge(ComponentType.PENALTY_INTEREST, amount, until)
        self.interest_accrued_until = until
        self.updated_at = now
        self.events.append(
            InterestCharged(
                invoice_id=self.id,
                occurred_at=now,
                amount=amount,
                start=start,
                end=until,
                principal=principal,
                component_id=component.id,
            )
        )
        return amount

    # ------------------------------------------------------------------ payments

    def _check_incoming(self, field: str, reference: str, amount: Money) -> None:
        violations: list[FieldViolation] = []
        if not reference.strip():
            violations.append(FieldViolation(field, "is empty"))
        if amount.currency != self.currency:
            violations.append(FieldViolation(f"{field}.amount", "is not in the invoice's currency"))
        elif not amount.is_positive():
            violations.append(FieldViolation(f"{field}.amount", "must be more than zero"))
        if violations:
            raise InvoiceValidationError(violations)

    def has_handled_payment(self, payment: str) -> bool:
        """True when ``payment`` was already confirmed or allocated."""
        return payment in self.applied_payment_ids or payment in self.confirmed_payment_ids

    def confirm_payment(self, payment: str, amount: Money, now: datetime) -> bool:
        """The payment provider confirmed ``payment``: show *Maksettu MyRopossa*.

        Open amounts do not change (the money has not arrived). Returns ``False`` and
        changes nothing when the payment was already confirmed or allocated, or the
        invoice has ended (the id is still remembered then).
        """
        self._check_incoming("payment", payment, amount)
        if self.has_handled_payment(payment):
            return False
        self.confirmed_payment_ids = (*self.confirmed_payment_ids, payment)
        self.updated_at = now
        if self.stage.is_final:
            return False
        self.paid_in_myropo = True
        self.events.append(
            PaymentConfirmed(invoice_id=self.id, occurred_at=now, payment=payment, amount=amount)
        )
        return True

    def receive_payment(
        self, payment: str, amount: Money, booked_on: date, now: datetime
    ) -> Allocation:
        """Allocate money that arrived (settlement or bank payment) and return how.

        Allocation follows the debtor kind (consumer: capital → interest → costs;
        company: costs → interest → capital). Any excess records
        ``OverpaymentDetected``; an invoice that has ended takes nothing, so the whole
        payment is excess. When nothing is open afterwards the invoice is ``PAID``.
        A payment id seen before returns an empty allocation and changes nothing.
        Events: ``PaymentReceived``, ``OverpaymentDetected`` when there is excess,
        then ``InvoiceStageChanged`` and ``InvoicePaid`` when it became paid.
        """
        self._check_incoming("payment", payment, amount)
        if payment in self.applied_payment_ids:
            return Allocation.nothing(self.currency)
        if self.stage.is_final:
            allocation = Allocation.all_excess(amount)
        else:
            allocation = self.ledger.allocate(amount, allocation_order_for(self.debtor.kind))
            self._allocate_to_plan(allocation.applied_total, now)
        self.applied_payment_ids = (*self.applied_payment_ids, payment)
        self.paid_in_myropo = not self.stage.is_final and any(
            confirmed not in self.applied_payment_ids for confirmed in self.confirmed_payment_ids
        )
        self.updated_at = now
        self.events.append(
            PaymentReceived(
                invoice_id=self.id,
                occurred_at=now,
                payment=payment,
                amount=amount,
                allocated=allocation.applied_total,
                booked_on=booked_on,
            )
        )
        if allocation.excess.is_positive():
            self.events.append(
                OverpaymentDetected(
                    invoice_id=self.id,
                    occurred_at=now,
                    payment=payment,
                    amount=allocation.excess,
                    debtor_party=self.debtor.party,
                    debtor_name=self.debtor.name,
                    language=self.debtor.language,
                    creditor_id=self.creditor_id,
                    case_number=self.case_number.value,
                )
            )
        self._end_if_settled(now)
        return allocation

    def _end_if_settled(self, now: datetime) -> None:
        """``PAID`` when payments covered part of what was owed, else ``CREDITED``."""
        if self.stage.is_final or not self.ledger.is_settled:
            return
        self.paid_in_myropo = False
        plan = self.active_plan
        if plan is not None:
            plan.complete()
            self.events.append(
                PaymentPlanCompleted(invoice_id=self.id, occurred_at=now, plan_id=plan.id)
            )
        if self.ledger.paid_amount.is_zero():
            self.move_to(Stage.CREDITED, now)
            return
        self.move_to(Stage.PAID, now)
        self.paid_at = now
        self.events.append(
            InvoicePaid(
                invoice_id=self.id,
                occurred_at=now,
                paid_amount=self.ledger.paid_amount,
                debtor_party=self.debtor.party,
                creditor_id=self.creditor_id,
            )
        )

    # ------------------------------------------------------------------ credit notes

    def apply_credit_note(
        self, credit_note_number: str, amount: Money, now: datetime
    ) -> CreditNoteOutcome:
        """Lower the capital by a credit note of ``amount``.

        Open capital is credited first. When the credit reaches capital that was
        already paid, that money is first re-applied to whatever else is open on this
        invoice (in the debtor kind's allocation order: the debtor's money stays on
        the debt it was paid for) and the rest is due back to the debtor
        (``CreditNoteRefundDue``). When nothing is open afterwards the invoice ends:
        ``PAID`` if payments covered part of it, ``CREDITED`` if no payment remains.
        A credit note number seen before changes nothing. A credit larger than the
        capital not yet credited is refused with a violation of
        ``credit_note.amount``; a cancelled invoice takes no credit note.
        """
        self._check_incoming("credit_note", credit_note_number, amount)
        if credit_note_number in self.applied_credit_note_numbers:
            nothing = Allocation.nothing(self.currency)
            return CreditNoteOutcome(CreditResult.nothing(self.currency), nothing, nothing.excess)
        if self.stage is Stage.CANCELLED:
            raise InvalidStageTransition(self.resource_name, self.stage.value, Stage.CREDITED.value)
        try:
            credit = self.ledger.credit(amount)
        except CreditExceedsCapital as error:
            raise InvoiceValidationError(
                [FieldViolation("credit_note.amount", error.description)]
            ) from None
        reapplied = Allocation.nothing(self.currency)
        if credit.refund_due.is_positive():
            reapplied = self.ledger.allocate(
                credit.refund_due, allocation_order_for(self.debtor.kind)
            )
        refund_due = reapplied.excess
        self.applied_credit_note_numbers = (*self.applied_credit_note_numbers, credit_note_number)
        self.updated_at = now
        self.events.append(
            CreditNoteApplied(
                invoice_id=self.id,
                occurred_at=now,
                credit_note_number=credit_note_number,
                amount=amount,
                reduced_open=credit.reduced_open,
                reapplied=reapplied.applied_total,
                refund_due=refund_due,
            )
        )
        if refund_due.is_positive():
            self.events.append(
                CreditNoteRefundDue(
                    invoice_id=self.id,
                    occurred_at=now,
                    credit_note_number=credit_note_number,
                    amount=refund_due,
                    debtor_party=self.debtor.party,
                    debtor_name=self.debtor.name,
                    language=self.debtor.language,
                    creditor_id=self.creditor_id,
                    case_number=self.case_number.value,
                )
            )
        self._end_if_settled(now)
        return CreditNoteOutcome(credit, reapplied, refund_due)

    # ------------------------------------------------------------------ payment time

    def extend_due_date(
        self,
        new_due_date: date,
        accepted_fee: Money,
        policy: PaymentTimePolicy,
        today: date,
        now: datetime,
        actor: str,
        cost_rules: CostRules = DEFAULT_COST_RULES,
    ) -> Money:
        """Move the due date to ``new_due_date`` if offered, charging the offered fee.

        ``PaymentTimeNotAllowed`` (reason ``DUE_DATE_EXTENSION_NOT_ALLOWED``) when no
        extension or not this date is offered; ``FeeChanged`` when ``accepted_fee`` is
        not the fee now. Events: ``CostAdded`` (when a fee), ``DueDateExtended``.
        """
        option = extension_option(self, policy, today, cost_rules)
        if option.reason is not None or option.fee is None:
            reason = option.reason.value if option.reason is not None else "not_offered"
            raise PaymentTimeNotAllowed(
                "DUE_DATE_EXTENSION_NOT_ALLOWED", self.resource_name, reason
            )
        if not option.allows(new_due_date):
            raise PaymentTimeNotAllowed(
                "DUE_DATE_EXTENSION_NOT_ALLOWED", self.resource_name, "date_not_offered"
            )
        if accepted_fee != option.fee:
            raise FeeChanged(self.resource_name, str(option.fee))
        if option.fee.is_positive():
            self._charge_cost(ComponentType.DUE_DATE_EXTENSION_FEE, option.fee, today, now)
        previous, self.due_date = self.pay_by_date, new_due_date
        self.due_date_extension_count += 1
        self.updated_at = now
        self._send_payment_time_letter(
            LetterType.PAYMENT_TIME_CONFIRMATION, today, new_due_date, option.fee
        )
        self.events.append(
            DueDateExtended(
                invoice_id=self.id,
                occurred_at=now,
                previous_due_date=previous,
                due_date=new_due_date,
                fee=option.fee,
                actor=actor,
            )
        )
        return option.fee

    def create_payment_plan(
        self,
        instalment_count: int,
        accepted_fee: Money,
        policy: PaymentTimePolicy,
        today: date,
        now: datetime,
        actor: str,
        cost_rules: CostRules = DEFAULT_COST_RULES,
    ) -> PaymentPlan:
        """Make the offered plan of ``instalment_count`` instalments, charging its fee.

        ``PaymentTimeNotAllowed`` (reason ``PAYMENT_PLAN_NOT_ALLOWED``) when no plan or
        not this count is offered; ``FeeChanged`` when ``accepted_fee`` is not the fee.
        Events: ``CostAdded`` (when a fee), ``PaymentPlanCreated``.
        """
        option = plan_option(self, policy, today, cost_rules)
        if option.reason is not None:
            raise PaymentTimeNotAllowed(
                "PAYMENT_PLAN_NOT_ALLOWED", self.resource_name, option.reason.value
            )
        choice = option.choice(instalment_count)
        if choice is None:
            raise PaymentTimeNotAllowed(
                "PAYMENT_PLAN_NOT_ALLOWED", self.resource_name, "instalment_count_not_offered"
            )
        if accepted_fee != choice.fee:
            raise FeeChanged(self.resource_name, str(choice.fee))
        if choice.fee.is_positive():
            self._charge_cost(ComponentType.PAYMENT_PLAN_FEE, choice.fee, today, now)
        plan = PaymentPlan(
            id=new_id(),
            state=PlanState.ACTIVE,
            instalments=choice.instalments,
            fee=choice.fee,
            total_amount=choice.total_amount,
            created_at=now,
            original_stage=self.stage,
        )
        self.payment_plans = (*self.payment_plans, plan)
        self.updated_at = now
        self._send_payment_time_letter(
            LetterType.PAYMENT_TIME_CONFIRMATION, today, plan.instalments[0].due_date, plan.fee
        )
        self.events.append(
            PaymentPlanCreated(invoice_id=self.id, occurred_at=now, plan=replace(plan), actor=actor)
        )
        return plan

    def cancel_payment_plan(
        self, plan_id: str, now: datetime, *, actor: str, reason: str, missed: bool = False
    ) -> PaymentPlan:
        """Cancel the active plan ``plan_id``; collection continues from its stage.

        ``PaymentPlanNotFound`` for an unknown plan; a plan that is no longer active
        is refused with ``PAYMENT_PLAN_NOT_ACTIVE``. Event: ``PaymentPlanCancelled``.
        """
        plan = next((p for p in self.payment_plans if p.id == plan_id), None)
        if plan is None:
            raise PaymentPlanNotFound(f"{self.resource_name}/paymentPlans/{plan_id}")
        if not plan.is_active:
            raise PaymentTimeNotAllowed(
                "PAYMENT_PLAN_NOT_ACTIVE", self.resource_name, plan.state.value
            )
        plan.cancel(now, missed_instalment=missed, reason=reason)
        self.updated_at = now
        self.events.append(
            PaymentPlanCancelled(
                invoice_id=self.id,
                occurred_at=now,
                plan_id=plan.id,
                missed_instalment=missed,
                actor=actor,
                reason=reason,
            )
        )
        return plan

    def follow_payment_plan(self, today: date, grace_days: int, now: datetime) -> bool:
        """The collection run's step for an invoice with an active plan.

        The first instalment past its due date and unpaid is flagged overdue and the
        person reminded (``PaymentPlanInstalmentMissed``) once; when it is still
        unpaid more than ``grace_days`` after its due date the plan is cancelled
        (``missed_instalment``) and ordinary collection continues. Returns True when
        anything changed.
        """
        plan = self.active_plan
        # A dispute holds the plan too: no reminder, no cancellation until it is resolved.
        if plan is None or self.stage.is_final or self.stage is Stage.DISPUTED:
            return False
        if self.paid_in_myropo:
            return False
        missed = plan.first_missed(today)
        if missed is None:
            return False
        cancel_on = missed.due_date + timedelta(days=grace_days + 1)
        if today >= cancel_on:
            self.cancel_payment_plan(
                plan.id, now, actor="", reason="missed_instalment", missed=True
            )
            return True
        if missed.overdue:
            return False
        plan.mark_overdue(missed.number)
        self.updated_at = now
        # Free, and pay-by the last day before the plan would be cancelled (the
        # timeline's entry shows the same date); the overdue flag keeps it to one letter.
        self._send_payment_time_letter(
            LetterType.PAYMENT_PLAN_REMINDER,
            today,
            cancel_on - timedelta(days=1),
            None,
            missed.open_amount,
        )
        self.events.append(
            PaymentPlanInstalmentMissed(
                invoice_id=self.id,
                occurred_at=now,
                plan_id=plan.id,
                instalment_number=missed.number,
                due_date=missed.due_date,
                open_amount=missed.open_amount,
                cancel_on=cancel_on,
            )
        )
        return True

    def _send_payment_time_letter(
        self,
        letter_type: LetterType,
        today: date,
        pay_by: date,
        fee: Money | None,
        open_amount: Money | None = None,
    ) -> Letter:
        """Keep a payment-time letter with the case (rendered by the service layer).

        It is not a collection letter (``COLLECTION_LETTER_TYPES``): it never moves
        the spacing, the sequence or the pay-by date of reminders and demands, and
        its fee (already charged as the extension or plan fee) is not a letter fee.
        """
        sequence = 1 + sum(1 for letter in self.letters if letter.type is letter_type)
        letter = Letter(
            id=new_id(),
            type=letter_type,
            issued_on=today,
            due_date=max(pay_by, today),
            fee=fee,
            open_amount=self.ledger.open_amount if open_amount is None else open_amount,
            sequence=sequence,
        )
        self.letters = (*self.letters, letter)
        return letter

    # ------------------------------------------------------------------ disputes

    def dispute(
        self,
        *,
        disputer: str,
        reason: str,
        attachments: Sequence[AttachmentInfo],
        now: datetime,
        disputed_amount: Money | None = None,
        dispute_id: str | None = None,
    ) -> Dispute:
        """Put the invoice on hold for the debtor's dispute of all of it or a part.

        ``DisputeNotAllowed``: ``INVOICE_NOT_OPEN`` once the invoice has ended,
        ``DISPUTE_ALREADY_OPEN`` while another dispute is open. ``DisputeInvalid``
        names each field that breaks a rule (reason, amount, attachments). The stage
        is remembered for the resolution and becomes ``DISPUTED``; from then on the
        collection run sends nothing, charges nothing and moves nothing. Events:
        ``InvoiceStageChanged``, ``InvoiceDisputed``.
        """
        if not self.is_open:
            raise DisputeNotAllowed(
                "INVOICE_NOT_OPEN",
                "the invoice has ended and cannot be disputed",
                self.resource_name,
            )
        if self.stage is Stage.DISPUTED:
            raise DisputeNotAllowed(
                "DISPUTE_ALREADY_OPEN",
                "the invoice already has an open dispute",
                self.resource_name,
            )
        violations = text_violations("reason", reason, MAX_REASON_LENGTH)
        violations += attachment_violations(attachments)
        open_amount = self.ledger.open_amount
        if disputed_amount is not None:
            violations += self._amount_violations(
                "disputed_amount", disputed_amount, open_amount, "the open amount"
            )
        if violations:
            raise DisputeInvalid(violations)
        dispute = Dispute(
            id=dispute_id or new_id(),
            invoice_id=self.id,
            state=DisputeState.OPEN,
            disputed_amount=disputed_amount,
            reason=reason,
            disputer=disputer,
            attachments=tuple(attachments),
            created_at=now,
            currency=self.currency,
        )
        self.stage_before_dispute = self.stage
        self.move_to(Stage.DISPUTED, now)
        self.events.append(
            InvoiceDisputed(
                invoice_id=self.id,
                occurred_at=now,
                dispute_id=dispute.id,
                amount=open_amount if disputed_amount is None else disputed_amount,
                whole=disputed_amount is None,
                attachment_count=len(attachments),
            )
        )
        return dispute

    def resolve_dispute(
        self,
        dispute: Dispute,
        outcome: DisputeOutcome,
        *,
        message: str,
        resolver: str,
        today: date,
        now: datetime,
        credited_amount: Money | None = None,
    ) -> Letter:
        """Carry out an agent's decision on ``dispute``; returns the letter to the debtor.

        ``ACCEPTED`` credits the disputed amount (a whole dispute: everything open);
        ``PARTIALLY_ACCEPTED`` credits ``credited_amount`` (more than zero, at most the
        disputed amount); ``REJECTED`` credits nothing. Never more than is open now:
        the credit removes open capital first (the ledger's credit), then open
        interest and costs, and never reverses a payment. Nothing open afterwards →
        ``CREDITED``; otherwise the invoice returns to the stage it was disputed in
        and collection resumes under the usual rules. ``message`` becomes a
        customer-service letter. Events: ``DisputeResolved``, ``InvoiceStageChanged``
        (and ``PaymentPlanCancelled`` when a credit ends an invoice with a plan).
        """
        if dispute.invoice_id != self.id:
            raise ValueError("the dispute belongs to another invoice")
        if not dispute.is_open:
            raise DisputeNotAllowed(
                "DISPUTE_NOT_OPEN", "the dispute has already been resolved", dispute.resource_name
            )
        violations = text_violations("message", message, MAX_MESSAGE_LENGTH)
        credit = self._dispute_credit(dispute, outcome, credited_amount, violations)
        if violations:
            raise DisputeInvalid(violations)
        if credit is not None and credit.is_positive():
            self._credit_open(credit)
        letter = self._send_customer_service_message(message, today)
        dispute.close(outcome, credit, message, resolver, letter.id, now)
        self.updated_at = now
        self.events.append(
            DisputeResolved(
                invoice_id=self.id,
                occurred_at=now,
                dispute_id=dispute.id,
                outcome=outcome,
                credited=credit,
                letter_id=letter.id,
            )
        )
        self._end_dispute_hold(now, resolver)
        return letter

    def _amount_violations(
        self, field_name: str, amount: Money, limit: Money, limit_name: str
    ) -> list[FieldViolation]:
        if amount.currency != self.currency:
            return [FieldViolation(field_name, "is not in the invoice's currency")]
        if not amount.is_positive():
            return [FieldViolation(field_name, "must be more than zero")]
        if amount > limit:
            return [FieldViolation(field_name, f"must be at most {limit_name} ({limit})")]
        return []

    def _dispute_credit(
        self,
        dispute: Dispute,
        outcome: DisputeOutcome,
        credited_amount: Money | None,
        violations: list[FieldViolation],
    ) -> Money | None:
        """What the outcome credits; problems go to ``violations``."""
        open_amount = self.ledger.open_amount
        claimed = open_amount if dispute.disputed_amount is None else dispute.disputed_amount
        # Payments may have arrived while the dispute was open: only what is open can go.
        limit = min(claimed, open_amount)
        if outcome is not DisputeOutcome.PARTIALLY_ACCEPTED:
            if credited_amount is not None:
                violations.append(
                    FieldViolation("credited_amount", "is only for a partial acceptance")
                )
            return limit if outcome is DisputeOutcome.ACCEPTED else None
        if credited_amount is None:
            violations.append(
                FieldViolation("credited_amount", "is required for a partial acceptance")
            )
            return None
        by_open = dispute.is_whole or limit < claimed
        limit_name = "the open amount" if by_open else "the disputed amount"
        violations += self._amount_violations("credited_amount", credited_amount, limit, limit_name)
        return credited_amount

    def _credit_open(self, amount: Money) -> None:
        """Remove ``amount`` of what is open: capital through the ledger's credit (never
        more than the open capital, so no payment is reversed), then interest, then costs."""
        capital_share = min(amount, self.ledger.open_capital)
        if capital_share.is_positive():
            self.ledger.credit(capital_share)
        rest = amount - capital_share
        for component in self._interest_then_costs():
            if rest.is_zero():
                break
            share = min(rest, component.open_amount)
            if share.is_positive():
                component.credit_open(share)
                rest = rest - share
        if not rest.is_zero():
            raise ValueError("a dispute credit may not exceed the open amount")

    def _interest_then_costs(self) -> list[LedgerComponent]:
        rank = {ComponentGroup.PENALTY_INTEREST: 0, ComponentGroup.COSTS: 1}
        others = [c for c in self.ledger.components if c.type is not ComponentType.CAPITAL]
        # sorted() is stable: within a group, the order charged.
        return sorted(others, key=lambda component: rank[component_group(component.type)])

    def _send_customer_service_message(self, body: str, today: date) -> Letter:
        # It asks for no payment: its pay-by date is its own date and it carries no fee.
        letter_type = LetterType.CUSTOMER_SERVICE_MESSAGE
        letter = Letter(
            id=new_id(),
            type=letter_type,
            issued_on=today,
            due_date=today,
            fee=None,
            open_amount=self.ledger.open_amount,
            sequence=1 + sum(1 for letter in self.letters if letter.type is letter_type),
            body=body,
        )
        self.letters = (*self.letters, letter)
        return letter

    def _end_dispute_hold(self, now: datetime, resolver: str) -> None:
        previous, self.stage_before_dispute = self.stage_before_dispute, None
        if self.stage is not Stage.DISPUTED:
            return  # payments ended the invoice while the dispute was open
        if self.ledger.is_settled:
            plan = self.active_plan
            if plan is not None:
                self.cancel_payment_plan(plan.id, now, actor=resolver, reason="dispute_accepted")
            self.paid_in_myropo = False
            self.move_to(Stage.CREDITED, now)
            return
        self.move_to(previous or Stage.INVOICE, now)

    # ------------------------------------------------------------------ payment monitoring

    def start_payment_monitoring(
        self,
        *,
        judgment_date: date,
        judgment_reference: str,
        today: date,
        now: datetime,
        days_to_pay: int = DEFAULT_COLLECTION_POLICY.days_to_pay,
    ) -> Letter:
        """A court judgment was given: monitor the payments and send the letter naming it.

        Only from ``COLLECTION`` (``InvalidStageTransition`` otherwise). The judgment
        date cannot be in the future; the reference (court and case number) is 1–200
        characters. The letter asks for what is open now, payable in ``days_to_pay``
        days, and carries no fee. Events: ``LetterIssued``, ``InvoiceStageChanged``.
        """
        if self.stage is not Stage.COLLECTION:
            raise InvalidStageTransition(
                self.resource_name, self.stage.value, Stage.PAYMENT_MONITORING.value
            )
        reference = judgment_reference.strip()
        violations = text_violations("judgment_reference", reference, MAX_JUDGMENT_REFERENCE_LENGTH)
        if judgment_date > today:
            violations.append(FieldViolation("judgment_date", "cannot be in the future"))
        if violations:
            raise InvoiceValidationError(violations, "payment monitoring refused")
        self.judgment_date, self.judgment_reference = judgment_date, reference
        letter_type = LetterType.PAYMENT_MONITORING_LETTER
        letter = Letter(
            id=new_id(),
            type=letter_type,
            issued_on=today,
            due_date=today + timedelta(days=days_to_pay),
            fee=None,
            open_amount=self.ledger.open_amount,
            sequence=1 + sum(1 for letter in self.letters if letter.type is letter_type),
        )
        self.letters = (*self.letters, letter)
        self.updated_at = now
        self.events.append(LetterIssued(invoice_id=self.id, occurred_at=now, letter=letter))
        self.move_to(Stage.PAYMENT_MONITORING, now)
        return letter

    def _allocate_to_plan(self, applied: Money, now: datetime) -> None:
        plan = self.active_plan
        if plan is None or not applied.is_positive():
            return
        plan.allocate(applied)
        if plan.state is PlanState.COMPLETED:
            self.events.append(
                PaymentPlanCompleted(invoice_id=self.id, occurred_at=now, plan_id=plan.id)
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Invoice) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def pull_events(self) -> Sequence[Event]:
        """Remove and return the recorded events (the unit of work calls this on commit)."""
        events, self.events = self.events, []
        return events
