"""Collection costs the Debt Collection Act (513/1999) allows, as data.

Each ``CostTable`` holds the caps for one kind of debtor from the date it came
into force; ``CostRules`` picks the table valid on a given day. ``assess_fee``
answers the only question the rest of the domain asks: given the ledger so far,
how much of the fee a creditor asks may be charged for this action?

Consumer receivables (§10 a, §10 c, §10 d; in force since 1.2.2013): a per-action
cap by capital, at most two chargeable payment demands and two payment plans,
and a total cap per debt. Company receivables (from 1.5.2022): per-action caps
only, and the €40 fixed compensation once per invoice.

Which costs count towards the consumer total cap is the project's choice: every
collection cost charged to the debtor (reminder, payment demand, due-date
extension, payment plan and other costs, less any credited). The reference is
unsure whether the creditor's own reminders are excluded; counting them can only
keep the debtor's total lower, never above the cap.

Not modelled: the lower caps for directly enforceable receivables (the domain has
no such flag yet) and exceeding the caps for unusually large work (never done
automatically).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from ropo_platform.errors import FailedPrecondition
from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.ledger import ComponentType, Ledger
from ropo_invoice.domain.party import DebtorKind


class CollectionAction(StrEnum):
    """An action that may carry a fee."""

    REMINDER = "reminder"
    PAYMENT_DEMAND = "payment_demand"
    DUE_DATE_EXTENSION = "due_date_extension"
    PAYMENT_PLAN = "payment_plan"
    FIXED_COMPENSATION = "fixed_compensation"

    @property
    def component_type(self) -> ComponentType:
        """The ledger component the action's fee is booked as."""
        return _ACTION_COMPONENT[self]


_ACTION_COMPONENT: MappingProxyType[CollectionAction, ComponentType] = MappingProxyType(
    {
        CollectionAction.REMINDER: ComponentType.REMINDER_FEE,
        CollectionAction.PAYMENT_DEMAND: ComponentType.PAYMENT_DEMAND_FEE,
        CollectionAction.DUE_DATE_EXTENSION: ComponentType.DUE_DATE_EXTENSION_FEE,
        CollectionAction.PAYMENT_PLAN: ComponentType.PAYMENT_PLAN_FEE,
        CollectionAction.FIXED_COMPENSATION: ComponentType.FIXED_COMPENSATION,
    }
)


@dataclass(frozen=True, slots=True)
class CapitalTier:
    """``amount`` applies to a capital up to and including ``up_to`` (``None``: no limit)."""

    up_to: Decimal | None
    amount: Decimal


def tier_amount(tiers: Iterable[CapitalTier], capital: Money) -> Decimal:
    """The amount of the first tier whose upper bound the capital does not exceed."""
    for tier in tiers:
        if tier.up_to is None or capital.amount <= tier.up_to:
            return tier.amount
    raise InvalidValue("the tier table has no tier for every capital")


def _tiers(*pairs: tuple[str | None, str]) -> tuple[CapitalTier, ...]:
    return tuple(
        CapitalTier(None if up_to is None else Decimal(up_to), Decimal(amount))
        for up_to, amount in pairs
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CostTable:
    """The caps for one kind of debtor, valid from ``valid_from`` until the next table.

    Amounts are in euros. ``None`` in ``fixed_compensation`` means the action is not
    chargeable; ``max_chargeable`` limits how many times an action may carry a fee;
    ``total_caps`` is ``None`` when there is no total cap.
    """

    debtor_kind: DebtorKind
    valid_from: date
    reminder: Decimal
    payment_demand: tuple[CapitalTier, ...]
    #: Share of the first demand's cap that a later demand may cost.
    repeat_demand_factor: Decimal
    due_date_extension: Decimal
    #: Plan cap by capital for a plan of more than ``small_plan_instalments`` instalments.
    payment_plan: tuple[CapitalTier, ...]
    #: A plan of at most this many instalments costs at most the lowest plan tier.
    small_plan_instalments: int
    fixed_compensation: Decimal | None
    max_chargeable: Mapping[CollectionAction, int] = field(
        default_factory=lambda: MappingProxyType({})
    )
    total_caps: tuple[CapitalTier, ...] | None = None
    currency: str = "EUR"


#: Consumer receivables, §10 a / §10 c / §10 d as in force from 1.2.2013.
CONSUMER_TABLE_2013 = CostTable(
    debtor_kind=DebtorKind.PERSON,
    valid_from=date(2013, 2, 1),
    reminder=Decimal("5"),
    payment_demand=_tiers(("100", "14"), ("1000", "24"), (None, "50")),
    repeat_demand_factor=Decimal("0.5"),
    due_date_extension=Decimal("5"),
    payment_plan=_tiers(("100", "20"), ("1000", "30"), (None, "50")),
    small_plan_instalments=4,
    fixed_compensation=None,
    max_chargeable=MappingProxyType(
        {CollectionAction.PAYMENT_DEMAND: 2, CollectionAction.PAYMENT_PLAN: 2}
    ),
    total_caps=_tiers(("100", "60"), ("1000", "120"), (None, "210")),
)

#: Company receivables from 1.5.2022. The Act's company table has no figures for
#: due-date extensions and payment plans in the project's reference; until they are
#: confirmed the project applies the consumer caps to them (never more than a
#: consumer would pay).
COMPANY_TABLE_2022 = CostTable(
    debtor_kind=DebtorKind.ORGANIZATION,
    valid_from=date(2022, 5, 1),
    reminder=Decimal("12"),
    payment_demand=_tiers(("500", "50"), ("2500", "70"), ("10000", "90"), (None, "110")),
    repeat_demand_factor=Decimal("0.5"),
    due_date_extension=Decimal("5"),
    payment_plan=_tiers(("100", "20"), ("1000", "30"), (None, "50")),
    small_plan_instalments=4,
    fixed_compensation=Decimal("40"),
    # The €40 compensation is per overdue invoice.
    max_chargeable=MappingProxyType({CollectionAction.FIXED_COMPENSATION: 1}),
    total_caps=None,
)


class NoCostTable(FailedPrecondition):
    """No cost table covers the day and debtor kind (``FAILED_PRECONDITION``)."""

    default_reason = "NO_COST_TABLE"

    def __init__(self, debtor_kind: DebtorKind) -> None:
        super().__init__(
            message="no collection cost table is valid on that day for this kind of debtor",
            metadata={"debtor_kind": debtor_kind.value},
        )


class CostRules:
    """The cost tables of every period; picks the one valid on a day."""

    def __init__(self, tables: Iterable[CostTable]) -> None:
        self._tables = sorted(tables, key=lambda table: table.valid_from)
        seen: set[tuple[DebtorKind, date]] = set()
        for table in self._tables:
            key = (table.debtor_kind, table.valid_from)
            if key in seen:
                raise InvalidValue("two cost tables start on the same day for one debtor kind")
            seen.add(key)

    def table_for(self, debtor_kind: DebtorKind, on: date) -> CostTable:
        """The table in force on ``on``; ``NoCostTable`` before the first one."""
        valid = [t for t in self._tables if t.debtor_kind is debtor_kind and t.valid_from <= on]
        if not valid:
            raise NoCostTable(debtor_kind)
        return valid[-1]


DEFAULT_COST_RULES = CostRules([CONSUMER_TABLE_2013, COMPANY_TABLE_2022])


class FeeLimit(StrEnum):
    """What decided the allowed fee."""

    #: The creditor asked no more than every cap allows.
    ASKED = "asked"
    ACTION_CAP = "action_cap"
    TOTAL_CAP = "total_cap"
    COUNT_LIMIT = "count_limit"
    NOT_CHARGEABLE = "not_chargeable"


@dataclass(frozen=True, slots=True)
class FeeAssessment:
    """The fee that may be charged for one action, and why it is what it is."""

    action: CollectionAction
    asked: Money
    allowed: Money
    action_cap: Money
    #: What the total cap still allows before this fee (``None``: no total cap).
    total_cap_room: Money | None
    limited_by: FeeLimit


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount, currency)


def action_cap(
    table: CostTable,
    action: CollectionAction,
    capital: Money,
    *,
    previous_actions: int = 0,
    instalments: int | None = None,
) -> Money:
    """The statutory maximum for one action, by the receivable's capital.

    ``previous_actions`` counts earlier actions of the same kind (a later payment
    demand costs ``repeat_demand_factor`` of the first); ``instalments`` is needed
    for a payment plan. Rounded half up to the cent.
    """
    currency = capital.currency
    if action is CollectionAction.REMINDER:
        return _money(table.reminder, currency)
    if action is CollectionAction.DUE_DATE_EXTENSION:
        return _money(table.due_date_extension, currency)
    if action is CollectionAction.FIXED_COMPENSATION:
        if table.fixed_compensation is None:
            return Money.zero(currency)
        return _money(table.fixed_compensation, currency)
    if action is CollectionAction.PAYMENT_DEMAND:
        first = _money(tier_amount(table.payment_demand, capital), currency)
        return first if previous_actions == 0 else first.multiply(table.repeat_demand_factor)
    if instalments is None or instalments < 1:
        raise InvalidValue("a payment plan fee needs the number of instalments")
    if instalments <= table.small_plan_instalments:
        return _money(table.payment_plan[0].amount, currency)
    return _money(tier_amount(table.payment_plan, capital), currency)


def total_cap(table: CostTable, capital: Money) -> Money | None:
    """The total cost cap for a receivable of ``capital``; ``None`` without one."""
    if table.total_caps is None:
        return None
    return _money(tier_amount(table.total_caps, capital), capital.currency)


def assess_fee(
    ledger: Ledger,
    debtor_kind: DebtorKind,
    action: CollectionAction,
    asked: Money,
    *,
    on: date,
    previous_actions: int | None = None,
    instalments: int | None = None,
    rules: CostRules = DEFAULT_COST_RULES,
) -> FeeAssessment:
    """How much of ``asked`` may be charged for ``action`` on ``on``.

    The allowed fee is the least of the asked fee, the action's cap and what the
    total cap still allows; zero once the action's count limit is reached.
    ``previous_actions`` counts earlier actions of the kind whether they carried a
    fee or not (a second demand is a repeat demand even if the first was free); by
    default it is the number of fees of that kind in the ledger. A ledger in another
    currency than the table's is never charged a fee.
    """
    if asked.currency != ledger.currency:
        raise InvalidValue("the asked fee must be in the ledger's currency")
    if asked.is_negative():
        raise InvalidValue("the asked fee cannot be negative")
    table = rules.table_for(debtor_kind, on)
    zero = Money.zero(ledger.currency)
    if ledger.currency != table.currency:
        # The caps exist only in euros; converting them is nobody's call to make here.
        return FeeAssessment(action, asked, zero, zero, None, FeeLimit.NOT_CHARGEABLE)
    capital = ledger.net_capital
    charged_before = ledger.count_of(action.component_type)
    earlier = charged_before if previous_actions is None else previous_actions
    cap = action_cap(table, action, capital, previous_actions=earlier, instalments=instalments)
    cap_total = total_cap(table, capital)
    room = None if cap_total is None else max(zero, cap_total - ledger.costs_charged)

    limit_count = table.max_chargeable.get(action)
    if cap.is_zero():
        return FeeAssessment(action, asked, zero, cap, room, FeeLimit.NOT_CHARGEABLE)
    if limit_count is not None and charged_before >= limit_count:
        return FeeAssessment(action, asked, zero, cap, room, FeeLimit.COUNT_LIMIT)
    allowed, limited_by = asked, FeeLimit.ASKED
    if cap < allowed:
        allowed, limited_by = cap, FeeLimit.ACTION_CAP
    if room is not None and room < allowed:
        allowed, limited_by = room, FeeLimit.TOTAL_CAP
    return FeeAssessment(action, asked, allowed, cap, room, limited_by)


def allowed_fee(
    ledger: Ledger,
    debtor_kind: DebtorKind,
    action: CollectionAction,
    asked: Money,
    *,
    on: date,
    previous_actions: int | None = None,
    instalments: int | None = None,
    rules: CostRules = DEFAULT_COST_RULES,
) -> Money:
    """The fee that may be charged (``assess_fee(...).allowed``)."""
    return assess_fee(
        ledger,
        debtor_kind,
        action,
        asked,
        on=on,
        previous_actions=previous_actions,
        instalments=instalments,
        rules=rules,
    ).allowed


def statutory_fee(
    debtor_kind: DebtorKind,
    action: CollectionAction,
    capital: Money,
    *,
    on: date,
    previous_actions: int = 0,
    instalments: int | None = None,
    rules: CostRules = DEFAULT_COST_RULES,
) -> Money:
    """The action's cap on ``on``: what a policy that asks "the maximum" asks."""
    table = rules.table_for(debtor_kind, on)
    return action_cap(
        table, action, capital, previous_actions=previous_actions, instalments=instalments
    )
