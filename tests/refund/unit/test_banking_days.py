"""Finnish banking days: weekends and the bank holidays, including the eves banks keep."""

from __future__ import annotations

from datetime import date

import pytest
from ropo_refund.adapters.banking_days import is_banking_day, next_banking_day


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2027, 1, 1), "New Year's Day (Friday)"),
        (date(2027, 1, 6), "Epiphany (Wednesday)"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
        (date(2026, 5, 1), "1 May (Friday)"),
        (date(2027, 5, 6), "Ascension Day (Thursday)"),
        (date(2026, 6, 19), "Midsummer Eve (Friday)"),
        (date(2027, 6, 25), "Midsummer Eve (Friday)"),
        (date(2027, 12, 6), "Independence Day (Monday)"),
        (date(2026, 12, 24), "Christmas Eve (Thursday)"),
        (date(2027, 12, 24), "Christmas Eve (Friday)"),
        (date(2026, 12, 25), "Christmas Day (Friday)"),
        (date(2028, 12, 26), "Boxing Day (Tuesday)"),
    ],
)
def test_bank_holidays_are_not_banking_days(day: date, name: str) -> None:
    assert day.weekday() < 5, name
    assert not is_banking_day(day), name


@pytest.mark.parametrize("day", [date(2026, 3, 7), date(2026, 3, 8)])
def test_weekends_are_not_banking_days(day: date) -> None:
    assert not is_banking_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 2), date(2026, 3, 6), date(2027, 3, 25), date(2027, 3, 30), date(2026, 12, 23)],
)
def test_ordinary_weekdays_are_banking_days(day: date) -> None:
    assert is_banking_day(day)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 3)),  # Monday → Tuesday
        (date(2026, 3, 6), date(2026, 3, 9)),  # Friday → Monday
        (date(2026, 3, 7), date(2026, 3, 9)),  # Saturday → Monday
        (date(2026, 6, 18), date(2026, 6, 22)),  # Thursday before Midsummer Eve → Monday
        (date(2027, 3, 25), date(2027, 3, 30)),  # Easter 2027: Good Friday to Easter Monday
        (date(2027, 5, 5), date(2027, 5, 7)),  # over Ascension Day
        (date(2027, 12, 23), date(2027, 12, 27)),  # Christmas Eve on a Friday
        (date(2026, 12, 23), date(2026, 12, 28)),  # Christmas Eve to Boxing Day
        (date(2026, 12, 31), date(2027, 1, 4)),  # over New Year's Day and a weekend
    ],
)
def test_next_banking_day_is_strictly_after(after: date, expected: date) -> None:
    assert next_banking_day(after) == expected
