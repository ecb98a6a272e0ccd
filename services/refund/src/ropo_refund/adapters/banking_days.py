"""Finnish banking days: the days a payout can be executed.

Banks in Finland are closed at weekends and on New Year's Day, Epiphany, Good Friday,
Easter Monday, 1 May, Ascension Day, Midsummer Eve, Independence Day, Christmas Eve,
Christmas Day and Boxing Day. The ``holidays`` library's Finland has the public holidays; Midsummer
Eve and Christmas Eve are no public holidays by law, only by custom and the banks'
calendar, so they are added here rather than trusted to the library's choice.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

_SATURDAY = 5
_MIDSUMMER_EVE_FIRST_DAY = 19  # Midsummer Eve is the Friday between 19 and 25 June
_FRIDAY = 4


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    public = holidays.country_holidays("FI", years=year)
    midsummer_eve = next(
        day
        for day in (date(year, 6, _MIDSUMMER_EVE_FIRST_DAY + offset) for offset in range(7))
        if day.weekday() == _FRIDAY
    )
    return frozenset(public) | {midsummer_eve, date(year, 12, 24)}


def is_banking_day(day: date) -> bool:
    """Monday to Friday and not a Finnish bank holiday."""
    return day.weekday() < _SATURDAY and day not in _bank_holidays(day.year)


def next_banking_day(after: date) -> date:
    """The first banking day strictly after ``after``."""
    day = after + timedelta(days=1)
    while not is_banking_day(day):
        day += timedelta(days=1)
    return day
