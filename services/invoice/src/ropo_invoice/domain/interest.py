"""Penalty interest (Interest Act 633/1982 §4, §4 a, §12).

The rate is the reference rate of the half-year plus 7 percentage points for a
consumer or 8 for a company. Interest is simple and daily: each day earns
``principal × rate / days_in_year`` where a day of a leap year counts 1/366.
Days are summed exactly (as fractions) and the total is rounded half up to the
cent once per charge, so splitting a period at half-year boundaries never adds a
rounding difference.

The reference rates are data (``ReferenceRateTable``), loaded by an adapter; a
day outside the table is an error, never a guess.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType

from ropo_platform.errors import FailedPrecondition
from ropo_platform.money import Money, minor_units

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.party import DebtorKind

#: Percentage points over the reference rate (§4 consumers and others, §4 a commercial).
PENALTY_MARGIN: MappingProxyType[DebtorKind, Decimal] = MappingProxyType(
    {DebtorKind.PERSON: Decimal("7"), DebtorKind.ORGANIZATION: Decimal("8")}
)

_ONE_DAY = timedelta(days=1)


def half_year_start(day: date) -> date:
    """1 January or 1 July of the half-year ``day`` is in."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year_start(day: date) -> date:
    """The first day of the half-year after the one ``day`` is in."""
    start = half_year_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def days_in_year(day: date) -> int:
    """366 for a day of a leap year, else 365."""
    return 366 if calendar.isleap(day.year) else 365


class UnknownReferenceRate(FailedPrecondition):
    """The reference rate of a half-year is not in the table (``FAILED_PRECONDITION``).

    The table is data updated every half-year; this error means it was not.
    """

    default_reason = "REFERENCE_RATE_UNKNOWN"

    def __init__(self, period_start: date) -> None:
        super().__init__(
            message="the reference rate of the half-year is not in the reference-rate table",
            metadata={"period_start": period_start.isoformat()},
        )


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    """The reference rate (percent) of the half-year that starts on ``period_start``."""

    period_start: date
    rate_percent: Decimal

    def __post_init__(self) -> None:
        if self.period_start != half_year_start(self.period_start):
            raise InvalidValue("a reference-rate period starts on 1 January or 1 July")
        if not self.rate_percent.is_finite():
            raise InvalidValue("a reference rate must be a finite number")


class ReferenceRateTable:
    """Reference rates of consecutive half-years, valid from the first period's start."""

    def __init__(self, rates: Iterable[ReferenceRate]) -> None:
        by_start: dict[date, Decimal] = {}
        for rate in rates:
            if rate.period_start in by_start:
                raise InvalidValue("a half-year appears twice in the reference-rate table")
            by_start[rate.period_start] = rate.rate_percent
        if not by_start:
            raise InvalidValue("the reference-rate table is empty")
        starts = sorted(by_start)
        for earlier, later in pairwise(starts):
            if next_half_year_start(earlier) != later:
                raise InvalidValue("the reference-rate table has a gap between half-years")
        self._starts: tuple[date, ...] = tuple(starts)
        self._rates: Mapping[date, Decimal] = MappingProxyType(
            {start: by_start[start] for start in starts}
        )

    @classmethod
    def from_mapping(cls, rates: Mapping[date, Decimal]) -> ReferenceRateTable:
        """A table from ``{period start: rate percent}``."""
        return cls(ReferenceRate(start, rate) for start, rate in rates.items())

    @property
    def valid_from(self) -> date:
        """First day the table knows."""
        return self._starts[0]

    @property
    def valid_until(self) -> date:
        """Last day the table knows."""
        return next_half_year_start(self._starts[-1]) - _ONE_DAY

    @property
    def rates(self) -> tuple[ReferenceRate, ...]:
        """Every half-year's rate, oldest first."""
        return tuple(ReferenceRate(start, self._rates[start]) for start in self._starts)

    def rate_on(self, day: date) -> Decimal:
        """The reference rate in force on ``day``; ``UnknownReferenceRate`` outside the table."""
        start = half_year_start(day)
        try:
            return self._rates[start]
        except KeyError:
            raise UnknownReferenceRate(start) from None

    def penalty_rate_on(self, day: date, debtor_kind: DebtorKind) -> Decimal:
        """Reference rate plus the debtor kind's margin, in percent."""
        return self.rate_on(day) + PENALTY_MARGIN[debtor_kind]


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """Days ``start``..``end`` (both included) at one rate in one year length."""

    start: date
    end: date
    rate_percent: Decimal

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1


def interest_periods(
    start: date, end: date, debtor_kind: DebtorKind, table: ReferenceRateTable
) -> Iterator[InterestPeriod]:
    """``start``..``end`` split at half-year boundaries (which are also year boundaries)."""
    day = start
    while day <= end:
        period_end = min(end, next_half_year_start(day) - _ONE_DAY)
        yield InterestPeriod(day, period_end, table.penalty_rate_on(day, debtor_kind))
        day = period_end + _ONE_DAY


def exact_penalty_interest(
    principal: Money, start: date, end: date, debtor_kind: DebtorKind, table: ReferenceRateTable
) -> Fraction:
    """The interest before rounding, as an exact fraction of the currency's unit."""
    total = Fraction(0)
    for period in interest_periods(start, end, debtor_kind, table):
        total += (
            Fraction(principal.amount)
            * Fraction(period.rate_percent)
            / 100
            * period.days
            / days_in_year(period.start)
        )
    return total


def _round_half_up(value: Fraction, currency: str) -> Money:
    scale = 10 ** minor_units(currency)
    scaled = value * scale
    sign = -1 if scaled < 0 else 1
    minor = sign * int(abs(scaled) + Fraction(1, 2))
    return Money.from_minor_units(minor, currency)


def penalty_interest(
    principal: Money,
    start: date,
    end: date,
    debtor_kind: DebtorKind,
    table: ReferenceRateTable,
) -> Money:
    """Penalty interest on ``principal`` for every day from ``start`` through ``end``.

    ``start`` is the first day that earns interest: the day after the due date.
    An empty period (``end`` before ``start``) earns nothing. The result is
    rounded half up to the cent; ``UnknownReferenceRate`` when a day lies outside
    the table.
    """
    if principal.is_negative():
        raise InvalidValue("interest is charged only on a non-negative principal")
    if end < start or principal.is_zero():
        return Money.zero(principal.currency)
    exact = exact_penalty_interest(principal, start, end, debtor_kind, table)
    return _round_half_up(exact, principal.currency)
