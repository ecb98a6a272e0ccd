"""The ledger of one invoice: what was charged, paid and credited, per component.

Every amount shown to anyone (open capital, open total, *Avoinna yhteensä*) is
derived from these components, never stored separately, so it cannot drift.
This first version only opens the ledger with the capital; fees, interest and
allocation of payments (consumer: capital → interest → costs; company: the
reverse) are added by later work on the same components.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.party import Language


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

    @property
    def components(self) -> tuple[LedgerComponent, ...]:
        """Components in the order they were charged."""
        return tuple(self._components)

    def _sum(self, values: Iterable[Money]) -> Money:
        return Money.sum(values, self.currency)

    @property
    def capital(self) -> Money:
        """Original capital (*Pääoma*)."""
        return self._sum(c.amount for c in self._components if c.type is ComponentType.CAPITAL)

    @property
    def open_capital(self) -> Money:
        """Capital still open (*Avoin pääoma*)."""
        return self._sum(c.open_amount for c in self._components if c.type is ComponentType.CAPITAL)

    @property
    def total_amount(self) -> Money:
        """Everything charged: capital, interest and costs, before payments and credits."""
        return self._sum(c.amount for c in self._components)

    @property
    def paid_amount(self) -> Money:
        """Everything covered by allocated payments."""
        return self._sum(c.paid_amount for c in self._components)

    @property
    def open_amount(self) -> Money:
        """Everything still open (*Avoinna yhteensä*)."""
        return self._sum(c.open_amount for c in self._components)

    @property
    def is_settled(self) -> bool:
        """True when nothing is open."""
        return self.open_amount.is_zero()
