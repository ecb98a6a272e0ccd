"""Penalty interest: reference rate + 7 / + 8 pp, daily, actual/365 (366), split by half-year.

Every expected value is worked out by hand in the test's comment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.interest import (
    ReferenceRate,
    ReferenceRateTable,
    UnknownReferenceRate,
    interest_periods,
    penalty_interest,
)
from ropo_invoice.domain.party import DebtorKind
from ropo_platform.money import Money

PERSON = DebtorKind.PERSON
COMPANY = DebtorKind.ORGANIZATION

TABLE = ReferenceRateTable.from_mapping(
    {
        date(2023, 1, 1): Decimal("2.50"),
        date(2023, 7, 1): Decimal("4.00"),
        date(2024, 1, 1): Decimal("4.50"),
        date(2024, 7, 1): Decimal("4.25"),
        date(2025, 1, 1): Decimal("3.15"),
        date(2025, 7, 1): Decimal("2.15"),
    }
)


def eur(amount: str) -> Money:
    return Money.eur(amount)


@pytest.mark.parametrize(
    ("principal", "start", "end", "kind", "expected"),
    [
        # 2025-03-01..31, 31 days at 3.15 + 7 = 10.15 %: 1000 × 0.1015 × 31 / 365 = 8.6205…
        ("1000.00", date(2025, 3, 1), date(2025, 3, 31), PERSON, "8.62"),
        # Leap year 2024: 30 days at 11.5 %: 1000 × 0.115 × 30 / 366 = 9.4262…
        ("1000.00", date(2024, 3, 1), date(2024, 3, 30), PERSON, "9.43"),
        # The same days for a company, 12.5 %: 1000 × 0.125 × 30 / 366 = 10.2459…
        ("1000.00", date(2024, 3, 1), date(2024, 3, 30), COMPANY, "10.25"),
        # Across 1 July 2024: 15 days at 11.5 % + 15 days at 11.25 %, leap year:
        # 1000 × (0.115 × 15 + 0.1125 × 15) / 366 = 3412.5 / 366 = 9.3237…
        ("1000.00", date(2024, 6, 16), date(2024, 7, 15), PERSON, "9.32"),
        # Across the new year: 15 days of 2024 at 11.25 % / 366 = 4.6106…
        # plus 15 days of 2025 at 10.15 % / 365 = 4.1712…; 8.7818… in total.
        ("1000.00", date(2024, 12, 17), date(2025, 1, 15), PERSON, "8.78"),
        # One day: 1000 × 0.1015 / 365 = 0.27808…
        ("1000.00", date(2025, 2, 1), date(2025, 2, 1), PERSON, "0.28"),
        # Exactly half a cent: 73 days of 2023 H1 at 9.5 %: 15 × 0.095 × 73 / 365 = 0.285
        # exactly; half up gives 0.29 (floating point would give 0.28499…).
        ("15.00", date(2023, 1, 1), date(2023, 3, 14), PERSON, "0.29"),
        # The whole of 2023 for a company: H1 (181 days) at 2.50 + 8 = 10.5 %, H2 (184 days)
        # at 4.00 + 8 = 12 %: 365 × (0.105 × 181 + 0.12 × 184) / 365 = 19.005 + 22.08
        # = 41.085 exactly, half up 41.09.
        ("365.00", date(2023, 1, 1), date(2023, 12, 31), COMPANY, "41.09"),
    ],
)
def test_worked_examples(
    principal: str, start: date, end: date, kind: DebtorKind, expected: str
) -> None:
    assert penalty_interest(eur(principal), start, end, kind, TABLE) == eur(expected)


def test_a_leap_day_earns_a_366th() -> None:
    # 2024-02-29 alone at 11.5 %: 36600 × 0.115 / 366 = 11.50.
    assert penalty_interest(
        eur("36600.00"), date(2024, 2, 29), date(2024, 2, 29), PERSON, TABLE
    ) == eur("11.50")
    # The same principal on a day of 2025 at 10.15 %: 36600 × 0.1015 / 365 = 10.1778…
    assert penalty_interest(
        eur("36600.00"), date(2025, 2, 28), date(2025, 2, 28), PERSON, TABLE
    ) == eur("10.18")


def test_periods_split_at_half_year_boundaries() -> None:
    periods = list(interest_periods(date(2024, 6, 20), date(2025, 1, 10), PERSON, TABLE))
    assert [(p.start, p.end, p.days, p.rate_percent) for p in periods] == [
        (date(2024, 6, 20), date(2024, 6, 30), 11, Decimal("11.50")),
        (date(2024, 7, 1), date(2024, 12, 31), 184, Decimal("11.25")),
        (date(2025, 1, 1), date(2025, 1, 10), 10, Decimal("10.15")),
    ]


def test_splitting_a_period_rounds_once_per_charge() -> None:
    whole = penalty_interest(eur("1000.00"), date(2024, 6, 16), date(2024, 7, 15), PERSON, TABLE)
    halves = penalty_interest(
        eur("1000.00"), date(2024, 6, 16), date(2024, 6, 30), PERSON, TABLE
    ) + penalty_interest(eur("1000.00"), date(2024, 7, 1), date(2024, 7, 15), PERSON, TABLE)
    assert whole == eur("9.32")
    assert halves == eur("4.71") + eur("4.61")  # each half rounded on its own


def test_an_empty_period_or_zero_principal_earns_nothing() -> None:
    assert penalty_interest(eur("100.00"), date(2025, 3, 2), date(2025, 3, 1), PERSON, TABLE) == (
        eur("0")
    )
    assert penalty_interest(eur("0"), date(2025, 3, 1), date(2025, 3, 31), PERSON, TABLE) == eur(
        "0"
    )


def test_a_negative_principal_is_refused() -> None:
    with pytest.raises(InvalidValue):
        penalty_interest(eur("-1.00"), date(2025, 3, 1), date(2025, 3, 2), PERSON, TABLE)


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2022, 12, 31), date(2023, 1, 5)), (date(2025, 12, 30), date(2026, 1, 2))],
)
def test_a_day_outside_the_table_is_an_error(start: date, end: date) -> None:
    with pytest.raises(UnknownReferenceRate) as error:
        penalty_interest(eur("100.00"), start, end, PERSON, TABLE)
    assert error.value.reason == "REFERENCE_RATE_UNKNOWN"


def test_table_validity_and_lookup() -> None:
    assert TABLE.valid_from == date(2023, 1, 1)
    assert TABLE.valid_until == date(2025, 12, 31)
    assert TABLE.rate_on(date(2024, 6, 30)) == Decimal("4.50")
    assert TABLE.rate_on(date(2024, 7, 1)) == Decimal("4.25")
    assert TABLE.penalty_rate_on(date(2024, 7, 1), COMPANY) == Decimal("12.25")


@pytest.mark.parametrize(
    "rates",
    [
        [],
        [ReferenceRate(date(2024, 1, 1), Decimal("4.5"))] * 2,
        [
            ReferenceRate(date(2024, 1, 1), Decimal("4.5")),
            ReferenceRate(date(2025, 1, 1), Decimal("3.15")),
        ],
    ],
    ids=["empty", "duplicate", "gap"],
)
def test_a_table_must_have_consecutive_half_years(rates: list[ReferenceRate]) -> None:
    with pytest.raises(InvalidValue):
        ReferenceRateTable(rates)


def test_a_period_starts_on_1_january_or_1_july() -> None:
    with pytest.raises(InvalidValue):
        ReferenceRate(date(2024, 2, 1), Decimal("4.5"))
