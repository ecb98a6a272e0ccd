"""The ledger of one invoice: what was charged, paid and credited, per component.

Every amount shown to anyone (open capital, open total, *Avoinna yhteensä*) is
derived from these components, never stored separately, so it cannot drift.

Money moves between components only through three operations, each of which
keeps ``paid + credited ≤ amount`` for every component and never creates or
loses a cent:

- ``charge``: a new component (capital, a fee, an interest period);
- ``allocate``: a payment covers open components in a statutory order
  (consumer: capital → interest → costs; company: costs → interest → capital);
  what does not fit is returned as the excess (an overpayment);
- ``credit``: a credit note lowers the capital; when it lowers capital that was
  already paid, that payment becomes refundable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.party import DebtorKind, Language


class ComponentType(StrEnum):
    """What a ledger component is; the allocation order of payments depends on it."""

    CAPITAL = "capital"
    PENALTY_INTEREST = "penalty_interest"
    REMINDER_FEE = "reminder_fee"
    PAYMENT_DEMAND_FEE = "payment_demand_fee"
    DUE_DATE_EXTENSION_FEE = "due_date_extension_fee"
    PAYMENT_PLAN_FEE = "payment_plan_fee"
    FIXED_COMPENSATION = "fixed_compensation"
    OTHER_COST = "other_cost"


#: Component types that are collection costs (fees) rather than capital or interest.
COST_TYPES = frozenset(
    {
        ComponentType.REMINDER_FEE,
        ComponentType.PAYMENT_DEMAND_FEE,
        ComponentType.DUE_DATE_EXTENSION_FEE,
        ComponentType.PAYMENT_PLAN_FEE,
        ComponentType.FIXED_COMPENSATION,
        ComponentType.OTHER_COST,
    }
)


_LABELS: dict[ComponentType, tuple[str, str, str]] = {  # fi, sv, en
    ComponentType.CAPITAL: ("Pääoma", "Kapital", "Capital"),
    ComponentType.PENALTY_INTEREST: ("Viivästyskorko", "Dröjsmålsränta", "Penalty interest"),
    ComponentType.REMINDER_FEE: (
        "Maksumuistutusmaksu",
        "Betalningspåminnelseavgift",
        "Payment reminder fee",
    ),
    ComponentType.PAYMENT_DEMAND_FEE: (
        "Maksuvaatimusmaksu",
        "Betalningskravsavgift",
        "Payment demand fee",
    ),
    ComponentType.DUE_DATE_EXTENSION_FEE: (
        "Eräpäivän siirtomaksu",
        "Avgift för flyttad förfallodag",
        "Due date extension fee",
    ),
    ComponentType.PAYMENT_PLAN_FEE: (
        "Maksusuunnitelmamaksu",
        "Avgift för betalningsplan",
        "Payment plan fee",
    ),
    ComponentType.FIXED_COMPENSATION: ("Kiinteä korvaus", "Fast ersättning", "Fixed compensation"),
    ComponentType.OTHER_COST: ("Muu kulu", "Övrig kostnad", "Other cost"),
}
_LANGUAGE_INDEX = {Language.FI: 0, Language.SV: 1, Language.EN: 2}


def component_label(component_type: ComponentType, language: Language) -> str:
    """What a component is called on the invoice page and letters."""
    return _LABELS[component_type][_LANGUAGE_INDEX[language]]


class ComponentGroup(StrEnum):
    """The groups the allocation rules speak of: capital, interest and costs."""

    CAPITAL = "capital"
    PENALTY_INTEREST = "penalty_interest"
    COSTS = "costs"


def component_group(component_type: ComponentType) -> ComponentGroup:
    """The allocation group of a component type (every fee is a cost)."""
    if component_type is ComponentType.CAPITAL:
        return ComponentGroup.CAPITAL
    if component_type is ComponentType.PENALTY_INTEREST:
        return ComponentGroup.PENALTY_INTEREST
    return ComponentGroup.COSTS


class AllocationOrder(StrEnum):
    """In which order a payment covers the groups of open components.

    Consumer receivables: capital → penalty interest → costs (Debt Collection Act
    §7), so that a consumer's payment first stops interest from running. Company
    receivables: costs → penalty interest → capital. Within a group the oldest
    component (earliest charge date, then the order charged) is covered first.
    """

    CONSUMER = "consumer"
    COMPANY = "company"

    @property
    def groups(self) -> tuple[ComponentGroup, ...]:
        """The groups in the order they are covered."""
        return _ORDER_GROUPS[self]


_ORDER_GROUPS: MappingProxyType[AllocationOrder, tuple[ComponentGroup, ...]] = MappingProxyType(
    {
        AllocationOrder.CONSUMER: (
            ComponentGroup.CAPITAL,
            ComponentGroup.PENALTY_INTEREST,
            ComponentGroup.COSTS,
        ),
        AllocationOrder.COMPANY: (
            ComponentGroup.COSTS,
            ComponentGroup.PENALTY_INTEREST,
            ComponentGroup.CAPITAL,
        ),
    }
)


def allocation_order_for(debtor_kind: DebtorKind) -> AllocationOrder:
    """The statutory allocation order for a consumer (person) or company debtor."""
    if debtor_kind is DebtorKind.PERSON:
        return AllocationOrder.CONSUMER
    return AllocationOrder.COMPANY


class CreditExceedsCapital(InvalidValue):
    """A credit note larger than the capital that has not been credited yet.

    Refused rather than clipped: crediting more than was invoiced means the credit
    note belongs to another invoice or is wrong, and guessing would hide that. The
    caller reports it as a violation of the credit note's amount.
    """

    def __init__(self) -> None:
        super().__init__("the credit is larger than the capital not yet credited")


@dataclass(slots=True)
class LedgerComponent:
    """One charged amount (the capital, one fee, one interest period) and how much of it
    has been covered by payments or removed by credits."""

    id: str
    type: ComponentType
    amount: Money
    charge_date: date
    paid_amount: Money
    credited_amount: Money

    def __post_init__(self) -> None:
        currencies = {self.paid_amount.currency, self.credited_amount.currency}
        if currencies != {self.amount.currency}:
            raise InvalidValue("a component's amounts must share one currency")
        if not self.amount.is_positive():
            raise InvalidValue("a ledger component's amount must be positive")
        if self.paid_amount.is_negative() or self.credited_amount.is_negative():
            raise InvalidValue("paid and credited amounts cannot be negative")
        if (self.paid_amount + self.credited_amount) > self.amount:
            raise InvalidValue("a component cannot be covered more than its amount")

    @property
    def open_amount(self) -> Money:
        """``amount − paid − credited``; never negative (checked on every change)."""
        return self.amount - self.paid_amount - self.credited_amount

    @property
    def net_amount(self) -> Money:
        """What is still claimed of this component: ``amount − credited``."""
        return self.amount - self.credited_amount

    def cover(self, amount: Money) -> None:
        """Mark ``amount`` of the open amount as paid."""
        if amount.is_negative() or amount > self.open_amount:
            raise InvalidValue("a payment may cover only the component's open amount")
        self.paid_amount = self.paid_amount + amount

    def credit_open(self, amount: Money) -> None:
        """Remove ``amount`` of the open amount by a credit."""
        if amount.is_negative() or amount > self.open_amount:
            raise InvalidValue("a credit may remove only the component's open amount")
        self.credited_amount = self.credited_amount + amount

    def credit_paid(self, amount: Money) -> None:
        """Turn ``amount`` that was paid into credited (the payment becomes refundable)."""
        if amount.is_negative() or amount > self.paid_amount:
            raise InvalidValue("a credit may reverse only what was paid of the component")
        self.paid_amount = self.paid_amount - amount
        self.credited_amount = self.credited_amount + amount


@dataclass(frozen=True, slots=True)
class AppliedAmount:
    """The part of one payment that covered one component."""

    component_id: str
    type: ComponentType
    amount: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    """How one payment was spread over the ledger.

    ``amount`` is what came in; ``applied`` lists what each component received, in
    the order covered; ``excess`` is what did not fit (an overpayment). The
    constructor checks that ``applied_total + excess == amount``.
    """

    amount: Money
    applied: tuple[AppliedAmount, ...]
    excess: Money

    def __post_init__(self) -> None:
        if self.amount.is_negative() or self.excess.is_negative():
            raise InvalidValue("an allocation's amounts cannot be negative")
        if any(not part.amount.is_positive() for part in self.applied):
            raise InvalidValue("an allocation applies only positive amounts")
        if self.applied_total + self.excess != self.amount:
            raise InvalidValue("an allocation must account for every cent of the payment")

    @classmethod
    def nothing(cls, currency: str) -> Allocation:
        """The allocation of nothing (e.g. a payment event delivered a second time)."""
        zero = Money.zero(currency)
        return cls(zero, (), zero)

    @classmethod
    def all_excess(cls, amount: Money) -> Allocation:
        """A payment none of which can be applied (the invoice has ended)."""
        return cls(amount, (), amount)

    @property
    def currency(self) -> str:
        """Currency of every amount."""
        return self.amount.currency

    @property
    def applied_total(self) -> Money:
        """Everything applied to components."""
        return Money.sum((part.amount for part in self.applied), self.amount.currency)

    def applied_to(self, group: ComponentGroup) -> Money:
        """What was applied to one group (capital, penalty interest or costs)."""
        return Money.sum(
            (part.amount for part in self.applied if component_group(part.type) is group),
            self.amount.currency,
        )


@dataclass(frozen=True, slots=True)
class CreditResult:
    """What a credit note did to the ledger.

    ``amount`` is the credit; ``reduced_open`` removed open capital; ``refund_due``
    is capital that had already been paid and is now credited, so that money
    belongs to the debtor again. ``reduced_open + refund_due == amount``.
    """

    amount: Money
    reduced_open: Money
    refund_due: Money

    def __post_init__(self) -> None:
        if self.reduced_open.is_negative() or self.refund_due.is_negative():
            raise InvalidValue("a credit's parts cannot be negative")
        if self.reduced_open + self.refund_due != self.amount:
            raise InvalidValue("a credit must account for every cent")

    @classmethod
    def nothing(cls, currency: str) -> CreditResult:
        """The result of a credit note that was already applied."""
        zero = Money.zero(currency)
        return cls(zero, zero, zero)


class Ledger:
    """All components of one invoice, in one currency."""

    def __init__(self, currency: str, components: Iterable[LedgerComponent] = ()) -> None:
        self.currency = currency
        self._components: list[LedgerComponent] = []
        for component in components:
            self._append(component)

    @classmethod
    def open(cls, capital: Money, issue_date: date, component_id: str | None = None) -> Ledger:
        """A new ledger whose only component is the invoice's capital."""
        ledger = cls(capital.currency)
        ledger.charge(ComponentType.CAPITAL, capital, issue_date, component_id)
        return ledger

    def charge(
        self,
        type_: ComponentType,
        amount: Money,
        charge_date: date,
        component_id: str | None = None,
    ) -> LedgerComponent:
        """Add a new charged component (capital, a fee, an interest period)."""
        zero = Money.zero(amount.currency)
        component = LedgerComponent(
            id=component_id or str(uuid.uuid4()),
            type=type_,
            amount=amount,
            charge_date=charge_date,
            paid_amount=zero,
            credited_amount=zero,
        )
        self._append(component)
        return component

    def _append(self, component: LedgerComponent) -> None:
        if component.amount.currency != self.currency:
            raise InvalidValue("every ledger component must be in the ledger's currency")
        self._components.append(component)

    def _check_amount(self, amount: Money) -> None:
        if amount.currency != self.currency:
            raise InvalidValue("the amount must be in the ledger's currency")
        if amount.is_negative():
            raise InvalidValue("the amount cannot be negative")

    # ------------------------------------------------------------------ allocation

    def allocate(self, amount: Money, order: AllocationOrder) -> Allocation:
        """Cover open components with ``amount`` in ``order``; return what went where.

        Groups are covered in the order's sequence and, within a group, the oldest
        component first. Whatever remains once nothing is open is the ``excess``.
        """
        self._check_amount(amount)
        remaining = amount
        applied: list[AppliedAmount] = []
        for component in self._in_allocation_order(order):
            if remaining.is_zero():
                break
            share = min(remaining, component.open_amount)
            if share.is_zero():
                continue
            component.cover(share)
            applied.append(AppliedAmount(component.id, component.type, share))
            remaining = remaining - share
        return Allocation(amount, tuple(applied), remaining)

    def _in_allocation_order(self, order: AllocationOrder) -> list[LedgerComponent]:
        rank = {group: position for position, group in enumerate(order.groups)}
        indexed = list(enumerate(self._components))
        indexed.sort(
            key=lambda item: (rank[component_group(item[1].type)], item[1].charge_date, item[0])
        )
        return [component for _, component in indexed]

    # ------------------------------------------------------------------ credits

    def credit(self, amount: Money) -> CreditResult:
        """Lower the capital by ``amount`` (a credit note).

        Open capital is credited first (oldest capital component first). When the
        credit is larger than the open capital, capital that was already paid is
        turned into credited capital and that part is ``refund_due``. A credit
        larger than the capital not yet credited raises ``CreditExceedsCapital``
        and leaves the ledger unchanged.
        """
        self._check_amount(amount)
        capital = [c for c in self._components if c.type is ComponentType.CAPITAL]
        if amount > self._sum(c.net_amount for c in capital):
            raise CreditExceedsCapital()
        capital.sort(key=lambda component: component.charge_date)
        remaining = amount
        for component in capital:
            share = min(remaining, component.open_amount)
            component.credit_open(share)
            remaining = remaining - share
        reduced_open = amount - remaining
        # Reverse the newest payments first: the oldest capital stays paid longest.
        for component in reversed(capital):
            share = min(remaining, component.paid_amount)
            component.credit_paid(share)
            remaining = remaining - share
        return CreditResult(amount, reduced_open, amount - reduced_open)

    # ------------------------------------------------------------------ views

    @property
    def components(self) -> tuple[LedgerComponent, ...]:
        """Components in the order they were charged."""
        return tuple(self._components)

    def _sum(self, values: Iterable[Money]) -> Money:
        return Money.sum(values, self.currency)

    def _of_type(self, type_: ComponentType) -> list[LedgerComponent]:
        return [c for c in self._components if c.type is type_]

    @property
    def capital(self) -> Money:
        """Original capital (*Pääoma*)."""
        return self._sum(c.amount for c in self._of_type(ComponentType.CAPITAL))

    @property
    def net_capital(self) -> Money:
        """Capital less credit notes: the receivable's capital that the cost tiers use."""
        return self._sum(c.net_amount for c in self._of_type(ComponentType.CAPITAL))

    @property
    def open_capital(self) -> Money:
        """Capital still open (*Avoin pääoma*)."""
        return self._sum(c.open_amount for c in self._of_type(ComponentType.CAPITAL))

    @property
    def total_amount(self) -> Money:
        """Everything charged: capital, interest and costs, before payments and credits."""
        return self._sum(c.amount for c in self._components)

    @property
    def paid_amount(self) -> Money:
        """Everything covered by allocated payments."""
        return self._sum(c.paid_amount for c in self._components)

    @property
    def credited_amount(self) -> Money:
        """Everything removed by credits."""
        return self._sum(c.credited_amount for c in self._components)

    @property
    def open_amount(self) -> Money:
        """Everything still open (*Avoinna yhteensä*)."""
        return self._sum(c.open_amount for c in self._components)

    @property
    def costs_charged(self) -> Money:
        """Collection costs claimed from the debtor: every fee component less credits."""
        return self._sum(c.net_amount for c in self._components if c.type in COST_TYPES)

    @property
    def interest_charged(self) -> Money:
        """Penalty interest claimed from the debtor, less credits."""
        return self._sum(c.net_amount for c in self._of_type(ComponentType.PENALTY_INTEREST))

    def open_by_type(self, type_: ComponentType) -> Money:
        """Open amount of all components of one type."""
        return self._sum(c.open_amount for c in self._of_type(type_))

    def open_by_group(self, group: ComponentGroup) -> Money:
        """Open amount of one allocation group (capital, interest or costs)."""
        return self._sum(
            c.open_amount for c in self._components if component_group(c.type) is group
        )

    def count_of(self, type_: ComponentType) -> int:
        """How many components of ``type_`` were charged (e.g. chargeable demands so far)."""
        return len(self._of_type(type_))

    @property
    def is_settled(self) -> bool:
        """True when nothing is open."""
        return self.open_amount.is_zero()
