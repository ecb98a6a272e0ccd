"""Checks shared by the consumers of other contexts' events: a malformed event cannot
be fixed by retrying, so each problem is collected and the event dead-lettered
(``PermanentError``). Messages name fields only, never values."""

from __future__ import annotations

import re

from google.type import money_pb2
from ropo_platform.messaging import PermanentError
from ropo_platform.money import InvalidMoney, Money
from ropo_platform.money_proto import money_from_proto

CURRENCY = "EUR"
_NAME_ID = r"[A-Za-z0-9][A-Za-z0-9._~-]{0,63}"
INVOICE = re.compile(rf"^invoices/{_NAME_ID}$")
PAYMENT = re.compile(rf"^(payments|bankPayments)/{_NAME_ID}$")
BANK_PAYMENT = re.compile(rf"^bankPayments/{_NAME_ID}$")
PARTY = re.compile(r"^(persons/[a-z2-7]{32}|organizations/[0-9]{7}-[0-9])$")
MAX_NAME = 300
MAX_CREDIT_NOTE_NUMBER = 100


class Problems:
    """The fields of one event that are not acceptable."""

    def __init__(self, event: str) -> None:
        self._event = event
        self._fields: list[str] = []

    def add(self, field: str) -> None:
        self._fields.append(field)

    def match(self, pattern: re.Pattern[str], value: str, field: str) -> str:
        if not pattern.match(value):
            self.add(field)
        return value

    def text(self, value: str, field: str, limit: int, *, required: bool = False) -> str:
        cleaned = " ".join(value.split())
        if (required and not cleaned) or len(cleaned) > limit:
            self.add(field)
        return cleaned

    def amount(self, present: bool, message: money_pb2.Money, field: str) -> Money:
        """A positive euro amount (a refund of nothing, or not in euros, is no case)."""
        if not present:
            self.add(field)
            return Money.zero(CURRENCY)
        try:
            amount = money_from_proto(message, field=field)
        except InvalidMoney:
            self.add(field)
            return Money.zero(CURRENCY)
        if amount.currency != CURRENCY or not amount.is_positive():
            self.add(field)
            return Money.zero(CURRENCY)
        return amount

    def raise_if_any(self) -> None:
        if self._fields:
            raise PermanentError(f"malformed {self._event}: bad {', '.join(self._fields)}")
