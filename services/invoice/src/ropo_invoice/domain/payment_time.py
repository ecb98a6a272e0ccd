"""What a person may choose now: a later due date or a payment plan, and at what cost.

A pure decision from the invoice, the creditor's ``PaymentTimePolicy``, the cost
rules and today's date; ``Invoice.extend_due_date`` and
``Invoice.create_payment_plan`` carry a choice out after checking it against
these same options, so what was shown is exactly what is charged.

Rules (DESIGN §5, reference § Debt Collection Act):
- Extension: the new due date is counted from the date the person is asked to pay
  by now (the latest letter's pay-by date, else the due date), or from today when
  that has passed: earliest one day, latest ``max_extension_days`` days later.
  Free until the original due date (on the due date itself the invoice is not yet
  late); afterwards the policy's fee or the statutory 5 €, capped by
  ``costs.assess_fee`` (action cap and the consumer total cap).
- Plan: one choice per instalment count from the policy's range whose smallest
  instalment is at least the policy minimum; fee per count from the policy or the
  statutory 20/30/50 € (≤ 4 instalments: 20 €), capped like the extension fee; at
  most two chargeable plans (``CostTable.max_chargeable``); plans beyond
  ``max_plans`` are refused.
- Unavailable, checked in this order: nothing open, payment pending, disputed,
  active plan, creditor does not allow, stage not allowed, limit reached (already
  extended / plan limit), amount too small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from ropo_platform.money import Money

from ropo_invoice.domain.costs import (
    DEFAULT_COST_RULES,
    CollectionAction,
    CostRules,
    assess_fee,
    statutory_fee,
)
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.payment_plan import Instalment, build_schedule
from ropo_invoice.domain.payment_time_policy import PaymentTimePolicy
from ropo_invoice.domain.stage import Stage

if TYPE_CHECKING:
    from ropo_invoice.domain.model import Invoice

_ONE_DAY = timedelta(days=1)


class UnavailableReason(StrEnum):
    """Why an option is not available (mirrors ``PaymentTimeUnavailableReason``)."""

    NOT_ALLOWED_BY_CREDITOR = "not_allowed_by_creditor"
    ALREADY_EXTENDED = "already_extended"
    STAGE_NOT_ALLOWED = "stage_not_allowed"
    IN_DISPUTE = "in_dispute"
    AMOUNT_TOO_SMALL = "amount_too_small"
    ACTIVE_PAYMENT_PLAN = "active_payment_plan"
    PLAN_LIMIT_REACHED = "plan_limit_reached"
    INVOICE_CLOSED = "invoice_closed"
    PAYMENT_PENDING = "payment_pending"


_MESSAGES: dict[UnavailableReason, tuple[str, str, str]] = {  # fi, sv, en
    UnavailableReason.NOT_ALLOWED_BY_CREDITOR: (
        "Laskuttaja ei salli tätä tälle laskulle.",
        "Faktureraren tillåter inte detta för denna faktura.",
        "The creditor does not allow this for this invoice.",
    ),
    UnavailableReason.ALREADY_EXTENDED: (
        "Eräpäivää on jo siirretty niin monta kertaa kuin on mahdollista.",
        "Förfallodagen har redan flyttats så många gånger som möjligt.",
        "The due date has already been extended as many times as allowed.",
    ),
    UnavailableReason.STAGE_NOT_ALLOWED: (
        "Laskun nykyisessä vaiheessa tämä ei ole mahdollista.",
        "Detta är inte möjligt i fakturans nuvarande skede.",
        "This is not possible at the invoice's current stage.",
    ),
    UnavailableReason.IN_DISPUTE: (
        "Lasku on riitautettu, joten tämä ei ole mahdollista ennen kuin asia on käsitelty.",
        "Fakturan är bestridd, så detta är inte möjligt innan ärendet har behandlats.",
        "The invoice is disputed, so this is not possible until the dispute is resolved.",
    ),
    UnavailableReason.AMOUNT_TOO_SMALL: (
        "Avoin summa on liian pieni maksusuunnitelmaan.",
        "Det öppna beloppet är för litet för en betalningsplan.",
        "The open amount is too small for a payment plan.",
    ),
    UnavailableReason.ACTIVE_PAYMENT_PLAN: (
        "Laskulla on jo voimassa oleva maksusuunnitelma.",
        "Fakturan har redan en gällande betalningsplan.",
        "The invoice already has an active payment plan.",
    ),
    UnavailableReason.PLAN_LIMIT_REACHED: (
        "Laskulle on jo tehty niin monta maksusuunnitelmaa kuin on mahdollista.",
        "Fakturan har redan haft så många betalningsplaner som möjligt.",
        "The invoice has already had as many payment plans as allowed.",
    ),
    UnavailableReason.INVOICE_CLOSED: (
        "Laskulla ei ole avointa maksettavaa.",
        "Fakturan har inget öppet belopp.",
        "Nothing is open on the invoice.",
    ),
    UnavailableReason.PAYMENT_PENDING: (
        "Lasku on maksettu MyRopossa; maksu on vielä matkalla.",
        "Fakturan är betald i MyRopo; betalningen är ännu på väg.",
        "The invoice has been paid in MyRopo; the payment is on its way.",
    ),
}

_LANGUAGE_INDEX = {Language.FI: 0, Language.SV: 1, Language.EN: 2}


def unavailable_message(reason: UnavailableReason, language: Language) -> str:
    """The sentence shown for ``reason`` in ``language``."""
    return _MESSAGES[reason][_LANGUAGE_INDEX.get(language, 0)]


@dataclass(frozen=True, slots=True)
class ExtensionOption:
    """The extension the person may choose now, or why not (``reason``)."""

    reason: UnavailableReason | None
    earliest_due_date: date | None = None
    latest_due_date: date | None = None
    fee: Money | None = None

    @property
    def available(self) -> bool:
        """True when an extension may be made now."""
        return self.reason is None

    def allows(self, new_due_date: date) -> bool:
        """True when ``new_due_date`` is one of the offered dates."""
        return (
            self.earliest_due_date is not None
            and self.latest_due_date is not None
            and self.earliest_due_date <= new_due_date <= self.latest_due_date
        )


@dataclass(frozen=True, slots=True)
class PlanChoice:
    """One plan the person may choose, exactly as it would be made."""

    instalment_count: int
    fee: Money
    total_amount: Money
    instalments: tuple[Instalment, ...]


@dataclass(frozen=True, slots=True)
class PlanOption:
    """The plans the person may choose now (fewest instalments first), or why not."""

    reason: UnavailableReason | None
    choices: tuple[PlanChoice, ...] = ()

    @property
    def available(self) -> bool:
        """True when a plan may be made now."""
        return self.reason is None

    def choice(self, instalment_count: int) -> PlanChoice | None:
        """The offered choice with ``instalment_count`` instalments, if any."""
        for choice in self.choices:
            if choice.instalment_count == instalment_count:
                return choice
        return None


@dataclass(frozen=True, slots=True)
class PaymentTimeOptions:
    """Both options for one invoice on one day."""

    extension: ExtensionOption
    plan: PlanOption


def _common_reason(invoice: Invoice) -> UnavailableReason | None:
    if not invoice.is_open:
        return UnavailableReason.INVOICE_CLOSED
    if invoice.paid_in_myropo:
        return UnavailableReason.PAYMENT_PENDING
    if invoice.stage is Stage.DISPUTED:
        return UnavailableReason.IN_DISPUTE
    if invoice.active_plan is not None:
        return UnavailableReason.ACTIVE_PAYMENT_PLAN
    return None


def _asked(configured: Money | None, statutory: Money, currency: str) -> Money:
    if configured is None:
        return statutory
    # Caps exist only in euros; a fee in another currency is never asked.
    return configured if configured.currency == currency else Money.zero(currency)


def extension_option(
    invoice: Invoice,
    policy: PaymentTimePolicy,
    today: date,
    rules: CostRules = DEFAULT_COST_RULES,
) -> ExtensionOption:
    """The due-date extension ``invoice`` may have on ``today``."""
    reason = _common_reason(invoice)
    if reason is None and not policy.extension_allowed:
        reason = UnavailableReason.NOT_ALLOWED_BY_CREDITOR
    if reason is None and invoice.stage not in policy.extension_stages:
        reason = UnavailableReason.STAGE_NOT_ALLOWED
    if reason is None and invoice.due_date_extension_count >= policy.max_extensions:
        reason = UnavailableReason.ALREADY_EXTENDED
    if reason is not None:
        return ExtensionOption(reason)
    base = max(invoice.pay_by_date, today)
    return ExtensionOption(
        None,
        earliest_due_date=base + _ONE_DAY,
        latest_due_date=base + timedelta(days=policy.max_extension_days),
        fee=extension_fee(invoice, policy, today, rules),
    )


def extension_fee(
    invoice: Invoice,
    policy: PaymentTimePolicy,
    today: date,
    rules: CostRules = DEFAULT_COST_RULES,
) -> Money:
    """The fee of an extension made on ``today``: zero until the original due date."""
    ledger = invoice.ledger
    if today <= invoice.original_due_date:
        return Money.zero(ledger.currency)
    action = CollectionAction.DUE_DATE_EXTENSION
    statutory = statutory_fee(
        invoice.debtor.kind, action, ledger.net_capital, on=today, rules=rules
    )
    asked = _asked(policy.extension_fee, statutory, ledger.currency)
    return assess_fee(ledger, invoice.debtor.kind, action, asked, on=today, rules=rules).allowed


def plan_fee(
    invoice: Invoice,
    policy: PaymentTimePolicy,
    instalment_count: int,
    today: date,
    rules: CostRules = DEFAULT_COST_RULES,
) -> Money:
    """The fee of a plan of ``instalment_count`` made on ``today``, within every cap."""
    ledger, kind = invoice.ledger, invoice.debtor.kind
    action = CollectionAction.PAYMENT_PLAN
    statutory = statutory_fee(
        kind, action, ledger.net_capital, on=today, instalments=instalment_count, rules=rules
    )
    asked = _asked(policy.plan_fee, statutory, ledger.currency)
    return assess_fee(
        ledger, kind, action, asked, on=today, instalments=instalment_count, rules=rules
    ).allowed


def plan_option(
    invoice: Invoice,
    policy: PaymentTimePolicy,
    today: date,
    rules: CostRules = DEFAULT_COST_RULES,
) -> PlanOption:
    """The payment plans ``invoice`` may have on ``today``."""
    reason = _common_reason(invoice)
    if reason is None and not policy.plans_allowed:
        reason = UnavailableReason.NOT_ALLOWED_BY_CREDITOR
    if reason is None and invoice.stage not in policy.plan_stages:
        reason = UnavailableReason.STAGE_NOT_ALLOWED
    if reason is None and len(invoice.payment_plans) >= policy.max_plans:
        reason = UnavailableReason.PLAN_LIMIT_REACHED
    open_amount = invoice.ledger.open_amount
    if reason is None and _below(open_amount, policy.min_open_amount):
        reason = UnavailableReason.AMOUNT_TOO_SMALL
    if reason is not None:
        return PlanOption(reason)
    choices: list[PlanChoice] = []
    for count in range(policy.min_instalments, policy.max_instalments + 1):
        fee = plan_fee(invoice, policy, count, today, rules)
        total = open_amount + fee
        instalments = build_schedule(total, count, today)
        if _below(instalments[0].amount, policy.min_instalment):
            continue
        choices.append(PlanChoice(count, fee, total, instalments))
    if not choices:
        return PlanOption(UnavailableReason.AMOUNT_TOO_SMALL)
    return PlanOption(None, tuple(choices))


def _below(amount: Money, minimum: Money) -> bool:
    # A minimum in another currency than the invoice's is compared by its number.
    return amount.amount < minimum.amount


def payment_time_options(
    invoice: Invoice,
    policy: PaymentTimePolicy,
    today: date,
    rules: CostRules = DEFAULT_COST_RULES,
) -> PaymentTimeOptions:
    """Both options of ``invoice`` on ``today``."""
    return PaymentTimeOptions(
        extension_option(invoice, policy, today, rules),
        plan_option(invoice, policy, today, rules),
    )
