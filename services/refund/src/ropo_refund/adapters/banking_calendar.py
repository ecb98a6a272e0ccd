"""The banking calendar port wired to the Finnish banking days."""

from __future__ import annotations

from datetime import date

from ropo_refund.adapters.banking_days import next_banking_day


class FinnishBankingCalendar:
    """``BankingCalendar``: weekdays that are not Finnish bank holidays."""

    def next_banking_day(self, after: date) -> date:
        return next_banking_day(after)
