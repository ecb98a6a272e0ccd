"""Reading values out of a Finvoice tree while collecting one violation per bad element.

Nothing here raises on bad data: every problem is recorded on the reader so
that all problems of one message are reported together. Descriptions never
contain the element's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree
from ropo_platform.money import InvalidMoney, Money

from ropo_invoice.domain.errors import FieldViolation, InvalidValue

DEFAULT_CURRENCY = "EUR"
# At most 9 decimals: google.type.Money carries nanos.
_DECIMAL = re.compile(r"^-?\d{1,15}(?:[.,]\d{1,9})?$")
_DATE = re.compile(r"^\d{8}$")

T = TypeVar("T")


def parse_decimal(raw: str) -> Decimal | None:
    """Finvoice writes decimals with a comma (``124,00``); a point is accepted too."""
    compact = raw.replace("\u00a0", "").replace(" ", "")
    if not _DECIMAL.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


class Reader:
    """Reads values by path (from the root or a given element) and collects violations."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.violations: list[FieldViolation] = []

    def violation(self, field: str, description: str, reason: str = "INVALID") -> None:
        """Record a problem with ``field``."""
        self.violations.append(FieldViolation(field, description, reason))

    def node(self, path: str, element: etree._Element | None = None) -> etree._Element | None:
        """The first element at ``path``."""
        return (element if element is not None else self.root).find(path)

    def text(
        self, path: str, *, required: bool = True, element: etree._Element | None = None
    ) -> str:
        """The stripped text at ``path`` ("" when absent; a violation when ``required``)."""
        node = self.node(path, element)
        value = (node.text or "").strip() if node is not None else ""
        if required and not value:
            self.violation(path, "is required", "MISSING")
        return value

    def first_text(self, paths: tuple[str, ...], *, required: bool = True) -> tuple[str, str]:
        """The first non-empty value among ``paths`` and the path it came from."""
        for path in paths:
            value = self.text(path, required=False)
            if value:
                return value, path
        if required:
            self.violation(paths[0], "is required", "MISSING")
        return "", paths[0]

    def convert(self, path: str, raw: str, parse: Callable[[str], T]) -> T | None:
        """``parse(raw)``, turning ``InvalidValue`` into a violation on ``path``."""
        try:
            return parse(raw)
        except InvalidValue as error:
            self.violation(path, error.description)
            return None

    def parse_date(self, path: str, raw: str) -> date | None:
        """A ``CCYYMMDD`` date, or ``None`` (with a violation when ``raw`` is malformed)."""
        if not raw:
            return None
        if not _DATE.match(raw):
            self.violation(path, "must be a date in the format CCYYMMDD")
            return None
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            self.violation(path, "is not a valid calendar date")
            return None

    def date_at(self, path: str, *, required: bool = True) -> date | None:
        """The date at ``path``."""
        return self.parse_date(path, self.text(path, required=required))

    def amount(self, path: str, *, required: bool = True) -> Money | None:
        """The amount at ``path`` in its ``AmountCurrencyIdentifier`` (EUR when absent)."""
        node = self.node(path)
        raw = (node.text or "").strip() if node is not None else ""
        if node is None or not raw:
            if required:
                self.violation(path, "is required", "MISSING")
            return None
        currency = (node.get("AmountCurrencyIdentifier") or DEFAULT_CURRENCY).strip()
        value = parse_decimal(raw)
        if value is None:
            self.violation(path, "must be a decimal amount such as 124,00")
            return None
        try:
            return Money(value, currency)
        except InvalidMoney as error:
            self.violation(path, error.violations[0].description)
            return None

    def number(self, path: str, element: etree._Element, prefix: str) -> Decimal | None:
        """A decimal at ``path`` under ``element``; violations are named ``prefix/path``."""
        raw = self.text(path, required=False, element=element)
        if not raw:
            return None
        value = parse_decimal(raw)
        if value is None:
            self.violation(f"{prefix}/{path}", "must be a decimal number")
        return value
