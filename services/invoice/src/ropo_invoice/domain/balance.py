"""The balance certificate (*saldotodistus*): a debtor's open cases as the ledger has them.

Debt Collection Act §4 a gives the debtor a right to up-to-date information on
the debts and on how interest and costs were calculated. Every figure here is a
sum of ledger components (``Ledger``), never recomputed, so the certificate says
exactly what collection would ask.

What the ledger does not keep is recorded elsewhere and only explains figures:

- an interest component keeps its amount and the last day it covers (its charge
  date); the first day comes from the recorded charge (``ChargedInterest``,
  the ``InterestCharged`` event the timeline keeps). When no record matches, the
  certificate says only what the ledger knows: the amount and the day it was
  charged through;
- the rate of each day is the reference rate of its half-year plus the margin
  (``interest.PENALTY_MARGIN``), from the same table the collection run charged by;
- the cost caps come from the cost table in force on the certificate's date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ropo_platform.money import Money

from ropo_invoice.domain.costs import (
    DEFAULT_COST_RULES,
    CostRules,
    CostTable,
    NoCostTable,
    total_cap,
)
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.interest import (
    PENALTY_MARGIN,
    ReferenceRateTable,
    UnknownReferenceRate,
    next_half_year_start,
)
from ropo_invoice.domain.ledger import (
    COST_TYPES,
    ComponentGroup,
    ComponentType,
    LedgerComponent,
    component_group,
)
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import ORGANIZATIONS_PREFIX, DebtorKind
from ropo_invoice.domain.stage import Stage

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ChargedInterest:
    """One interest charge as it was recorded: the days ``start``..``end`` and the amount."""

    start: date
    end: date
    amount: Money


@dataclass(frozen=True, slots=True)
class GroupBalance:
    """Capital, interest or costs of one case: charged, covered by payments, credited."""

    charged: Money
    paid: Money
    credited: Money

    @classmethod
    def of(cls, components: Iterable[LedgerComponent], currency: str) -> GroupBalance:
        """The sums over ``components`` (all of one group)."""
        listed = list(components)
        return cls(
            Money.sum((c.amount for c in listed), currency),
            Money.sum((c.paid_amount for c in listed), currency),
            Money.sum((c.credited_amount for c in listed), currency),
        )

    @property
    def open(self) -> Money:
        """What is still owed: ``charged − paid − credited``."""
        return self.charged - self.paid - self.credited


@dataclass(frozen=True, slots=True)
class CostItem:
    """One collection cost (a reminder fee, a payment demand fee…) with its date."""

    type: ComponentType
    charge_date: date
    amount: Money
    open_amount: Money


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days ``start``..``end`` charged at the reference rate of their half-year plus the
    margin; ``reference_rate`` is ``None`` when the table no longer has that half-year."""

    start: date
    end: date
    reference_rate: Decimal | None
    margin: Decimal

    @property
    def rate(self) -> Decimal | None:
        """The penalty interest rate in percent."""
        return None if self.reference_rate is None else self.reference_rate + self.margin


@dataclass(frozen=True, slots=True)
class InterestRun:
    """Consecutive interest charges over an unbroken stretch of days.

    ``start`` is ``None`` when the first day was not recorded: then only the amount
    and the last day covered (``end``, the charge date) are known and ``rates`` is
    empty. ``charged`` is the exact sum of the charges' amounts.
    """

    start: date | None
    end: date
    charged: Money
    open_amount: Money
    rates: tuple[RatePeriod, ...]


@dataclass(frozen=True, slots=True)
class CaseBalance:
    """One open case (invoice) of the debtor."""

    invoice_id: str
    invoice_number: str
    case_number: str
    creditor_name: str
    original_due_date: date
    due_date: date
    stage: Stage
    paid_in_myropo: bool
    debtor_kind: DebtorKind
    currency: str
    capital: GroupBalance
    interest: GroupBalance
    costs: GroupBalance
    cost_items: tuple[CostItem, ...]
    interest_runs: tuple[InterestRun, ...]
    #: The consumer total cap on collection costs for this capital (``None``: no cap).
    cost_cap: Money | None

    @property
    def total_open(self) -> Money:
        """Everything still owed on the case."""
        return self.capital.open + self.interest.open + self.costs.open


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    """The open amounts of every case in one currency."""

    currency: str
    case_count: int
    capital_open: Money
    interest_open: Money
    costs_open: Money

    @property
    def total_open(self) -> Money:
        """The grand total in this currency."""
        return self.capital_open + self.interest_open + self.costs_open


@dataclass(frozen=True, slots=True)
class BalanceCertificate:
    """What the certificate states on ``issued_on``."""

    debtor_party: str
    #: The name the invoices carry; empty when the party has no invoice at all.
    debtor_name: str
    issued_on: date
    cases: tuple[CaseBalance, ...]
    totals: tuple[CurrencyTotal, ...]
    #: The cost tables in force on ``issued_on`` for the kinds of debtor in ``cases``.
    cost_tables: tuple[CostTable, ...]

    @property
    def business_id(self) -> str:
        """An organisation's business ID (public, printed); empty for a person."""
        if self.debtor_party.startswith(ORGANIZATIONS_PREFIX):
            return self.debtor_party.removeprefix(ORGANIZATIONS_PREFIX)
        return ""

    @property
    def debtor_kinds(self) -> tuple[DebtorKind, ...]:
        """The kinds of debtor of the cases (decides the interest margin and cost rules)."""
        return tuple(kind for kind in DebtorKind if any(c.debtor_kind is kind for c in self.cases))

    @property
    def interest_margins(self) -> tuple[tuple[DebtorKind, Decimal], ...]:
        """Percentage points over the reference rate, per kind of debtor in the cases."""
        return tuple((kind, PENALTY_MARGIN[kind]) for kind in self.debtor_kinds)


def build_balance_certificate(
    *,
    debtor_party: str,
    debtor_name: str,
    issued_on: date,
    invoices: Iterable[Invoice],
    recorded_interest: Mapping[str, Sequence[ChargedInterest]],
    rates: ReferenceRateTable,
    cost_rules: CostRules = DEFAULT_COST_RULES,
) -> BalanceCertificate:
    """The certificate of ``debtor_party``'s open invoices.

    Invoices that are not open (ended, or nothing owed) are left out; an invoice of
    another party is refused. ``recorded_interest`` gives, per invoice id, the
    interest charges as recorded (their first days); it only explains, never adds.
    Cases are ordered by currency, then by original due date (oldest first).
    """
    cases: list[CaseBalance] = []
    for invoice in invoices:
        if invoice.debtor.party != debtor_party:
            raise InvalidValue("every invoice of a balance certificate must be the debtor's")
        if not invoice.is_open:
            continue
        recorded = recorded_interest.get(invoice.id, ())
        cases.append(_case(invoice, recorded, rates, cost_rules, issued_on))
    cases.sort(key=lambda c: (c.currency, c.original_due_date, c.invoice_number, c.invoice_id))
    kinds = {case.debtor_kind for case in cases}
    return BalanceCertificate(
        debtor_party=debtor_party,
        debtor_name=debtor_name,
        issued_on=issued_on,
        cases=tuple(cases),
        totals=_totals(cases),
        cost_tables=tuple(
            table
            for kind in DebtorKind
            if kind in kinds
            for table in _table_for(cost_rules, kind, issued_on)
        ),
    )


def _table_for(rules: CostRules, kind: DebtorKind, on: date) -> tuple[CostTable, ...]:
    try:
        return (rules.table_for(kind, on),)
    except NoCostTable:
        return ()


def _case(
    invoice: Invoice,
    recorded: Sequence[ChargedInterest],
    rates: ReferenceRateTable,
    cost_rules: CostRules,
    issued_on: date,
) -> CaseBalance:
    ledger = invoice.ledger
    currency = ledger.currency
    by_group: dict[ComponentGroup, list[LedgerComponent]] = {group: [] for group in ComponentGroup}
    for component in ledger.components:
        by_group[component_group(component.type)].append(component)
    kind = invoice.debtor.kind
    cap: Money | None = None
    table = _table_for(cost_rules, kind, issued_on)
    if table and table[0].currency == currency:
        cap = total_cap(table[0], ledger.net_capital)
    return CaseBalance(
        invoice_id=invoice.id,
        invoice_number=invoice.invoice_number,
        case_number=invoice.case_number.printed,
        creditor_name=invoice.creditor_name,
        original_due_date=invoice.original_due_date,
        due_date=invoice.due_date,
        stage=invoice.stage,
        paid_in_myropo=invoice.paid_in_myropo,
        debtor_kind=kind,
        currency=currency,
        capital=GroupBalance.of(by_group[ComponentGroup.CAPITAL], currency),
        interest=GroupBalance.of(by_group[ComponentGroup.PENALTY_INTEREST], currency),
        costs=GroupBalance.of(by_group[ComponentGroup.COSTS], currency),
        cost_items=tuple(
            CostItem(c.type, c.charge_date, c.amount, c.open_amount)
            for c in ledger.components
            if c.type in COST_TYPES
        ),
        interest_runs=interest_runs(
            by_group[ComponentGroup.PENALTY_INTEREST], recorded, kind, rates
        ),
        cost_cap=cap,
    )


def interest_runs(
    components: Sequence[LedgerComponent],
    recorded: Sequence[ChargedInterest],
    debtor_kind: DebtorKind,
    rates: ReferenceRateTable,
) -> tuple[InterestRun, ...]:
    """The interest components as unbroken stretches of days with their rates.

    A component's first day is taken from the recorded charge that ends on its
    charge date with the same amount; each day is charged at most once, so the end
    date identifies the charge. Charges whose days follow each other make one run;
    a gap (days that passed without interest, e.g. during a dispute) starts a new one.
    """
    by_end = {charge.end: charge for charge in recorded}
    runs: list[InterestRun] = []
    for component in sorted(components, key=lambda c: c.charge_date):
        charge = by_end.get(component.charge_date)
        if charge is None or charge.amount != component.amount or charge.start > charge.end:
            unknown_start = InterestRun(
                None, component.charge_date, component.amount, component.open_amount, ()
            )
            runs.append(unknown_start)
            continue
        periods = _rate_periods(charge.start, charge.end, debtor_kind, rates)
        previous = runs[-1] if runs else None
        continues = previous is not None and previous.end + _ONE_DAY == charge.start
        if previous is not None and previous.start is not None and continues:
            runs[-1] = InterestRun(
                previous.start,
                charge.end,
                previous.charged + component.amount,
                previous.open_amount + component.open_amount,
                _joined(previous.rates, periods),
            )
            continue
        runs.append(
            InterestRun(charge.start, charge.end, component.amount, component.open_amount, periods)
        )
    return tuple(runs)


def _rate_periods(
    start: date, end: date, debtor_kind: DebtorKind, rates: ReferenceRateTable
) -> tuple[RatePeriod, ...]:
    margin = PENALTY_MARGIN[debtor_kind]
    periods: list[RatePeriod] = []
    for first, last in _half_years(start, end):
        try:
            reference: Decimal | None = rates.rate_on(first)
        except UnknownReferenceRate:
            reference = None
        periods.append(RatePeriod(first, last, reference, margin))
    return tuple(periods)


def _half_years(start: date, end: date) -> list[tuple[date, date]]:
    """``start``..``end`` split where a half-year (and so the reference rate) changes."""
    spans: list[tuple[date, date]] = []
    day = start
    while day <= end:
        last = min(end, next_half_year_start(day) - _ONE_DAY)
        spans.append((day, last))
        day = last + _ONE_DAY
    return spans


def _joined(
    earlier: tuple[RatePeriod, ...], later: tuple[RatePeriod, ...]
) -> tuple[RatePeriod, ...]:
    """``earlier + later`` with adjoining periods of the same rate made one."""
    joined = list(earlier)
    for period in later:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.end + _ONE_DAY == period.start
            and (last.reference_rate, last.margin) == (period.reference_rate, period.margin)
        ):
            joined[-1] = RatePeriod(last.start, period.end, last.reference_rate, last.margin)
        else:
            joined.append(period)
    return tuple(joined)


def _totals(cases: Sequence[CaseBalance]) -> tuple[CurrencyTotal, ...]:
    totals: list[CurrencyTotal] = []
    for currency in sorted({case.currency for case in cases}):
        mine = [case for case in cases if case.currency == currency]
        totals.append(
            CurrencyTotal(
                currency=currency,
                case_count=len(mine),
                capital_open=Money.sum((c.capital.open for c in mine), currency),
                interest_open=Money.sum((c.interest.open for c in mine), currency),
                costs_open=Money.sum((c.costs.open for c in mine), currency),
            )
        )
    return tuple(totals)
