"""A creditor's payment-time policy: due-date extensions and payment plans.

The defaults are DESIGN §5: an extension at most once per invoice, at most 14
days, in the invoice and reminder stages, for the statutory maximum fee (free
until the original due date); plans of 2–12 monthly instalments of at least
20 €, for open amounts of at least 50 €, in the invoice, reminder and collection
stages, for the statutory maximum fee, cancelled 14 days after a missed
instalment. A creditor may only tighten them: validation refuses values that
would loosen a rule, and whatever fee a policy asks is still capped by
``costs.assess_fee`` (per action, count limits, total caps).

Third plan: the Act allows fees for at most two plans per consumer debt. The
project refuses a third plan by default (``max_plans`` = 2, reason
``PLAN_LIMIT_REACHED``): a debtor who broke two plans talks to a person. A
creditor may allow up to ``MAX_PLANS_LIMIT`` plans; the ones beyond the count
limit of the cost table are then free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ropo_platform.errors import FieldViolation, ValidationFailed
from ropo_platform.money import Money

from ropo_invoice.domain.stage import Stage

#: DESIGN §5: at most 14 days per extension by default; a policy may only shorten it.
DEFAULT_MAX_EXTENSION_DAYS = 14
DEFAULT_MIN_INSTALMENTS = 2
DEFAULT_MAX_INSTALMENTS = 12
DEFAULT_GRACE_DAYS = 14
#: Upper bound of the plans a creditor may allow per invoice.
MAX_PLANS_LIMIT = 5

EXTENSION_STAGES_ALLOWED = frozenset({Stage.INVOICE, Stage.REMINDER})
PLAN_STAGES_ALLOWED = frozenset({Stage.INVOICE, Stage.REMINDER, Stage.COLLECTION})
MIN_INSTALMENT = Money(Decimal("20"), "EUR")
MIN_OPEN_AMOUNT = Money(Decimal("50"), "EUR")


class PaymentTimePolicyInvalid(ValidationFailed):
    """A policy value loosens a default or makes no sense (``INVALID_ARGUMENT``)."""

    default_reason = "PAYMENT_TIME_POLICY_INVALID"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        shown = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(violations, f"payment-time policy rejected: {shown}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentTimePolicy:
    """What one creditor allows its debtors. Fees of ``None`` ask the statutory maximum."""

    extension_allowed: bool = True
    extension_stages: frozenset[Stage] = EXTENSION_STAGES_ALLOWED
    max_extensions: int = 1
    max_extension_days: int = DEFAULT_MAX_EXTENSION_DAYS
    extension_fee: Money | None = None
    plans_allowed: bool = True
    plan_stages: frozenset[Stage] = PLAN_STAGES_ALLOWED
    min_instalments: int = DEFAULT_MIN_INSTALMENTS
    max_instalments: int = DEFAULT_MAX_INSTALMENTS
    min_instalment: Money = MIN_INSTALMENT
    min_open_amount: Money = MIN_OPEN_AMOUNT
    plan_fee: Money | None = None
    max_plans: int = 2
    #: Days after a missed instalment's due date before the plan is cancelled.
    grace_days: int = DEFAULT_GRACE_DAYS

    def __post_init__(self) -> None:
        violations: list[FieldViolation] = []

        def check(condition: bool, name: str, description: str) -> None:
            if not condition:
                violations.append(FieldViolation(f"payment_time_policy.{name}", description))

        check(
            self.extension_stages <= EXTENSION_STAGES_ALLOWED,
            "extension_stages",
            "may only contain INVOICE and REMINDER",
        )
        check(0 <= self.max_extensions <= 3, "max_extensions", "must be from 0 to 3")
        check(
            1 <= self.max_extension_days <= DEFAULT_MAX_EXTENSION_DAYS,
            "max_extension_days",
            f"must be from 1 to {DEFAULT_MAX_EXTENSION_DAYS}",
        )
        check(
            self.plan_stages <= PLAN_STAGES_ALLOWED,
            "plan_stages",
            "may only contain INVOICE, REMINDER and COLLECTION",
        )
        check(
            DEFAULT_MIN_INSTALMENTS <= self.min_instalments <= self.max_instalments,
            "min_instalments",
            f"must be at least {DEFAULT_MIN_INSTALMENTS} and at most max_instalments",
        )
        check(
            self.max_instalments <= DEFAULT_MAX_INSTALMENTS,
            "max_instalments",
            f"must be at most {DEFAULT_MAX_INSTALMENTS}",
        )
        check(1 <= self.max_plans <= MAX_PLANS_LIMIT, "max_plans", f"must be 1–{MAX_PLANS_LIMIT}")
        check(
            0 <= self.grace_days <= DEFAULT_GRACE_DAYS * 4,
            "grace_days",
            f"must be from 0 to {DEFAULT_GRACE_DAYS * 4}",
        )
        for name, amount in (
            ("extension_fee", self.extension_fee),
            ("plan_fee", self.plan_fee),
            ("min_instalment", self.min_instalment),
            ("min_open_amount", self.min_open_amount),
        ):
            check(amount is None or not amount.is_negative(), name, "cannot be negative")
        check(
            self.min_instalment.amount >= MIN_INSTALMENT.amount,
            "min_instalment",
            "must be at least 20 € (DESIGN §5)",
        )
        check(
            self.min_open_amount.amount >= MIN_OPEN_AMOUNT.amount,
            "min_open_amount",
            "must be at least 50 € (DESIGN §5)",
        )
        if violations:
            raise PaymentTimePolicyInvalid(violations)


DEFAULT_PAYMENT_TIME_POLICY = PaymentTimePolicy()
