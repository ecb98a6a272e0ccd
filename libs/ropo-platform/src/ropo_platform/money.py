"""``Money``: an exact amount in one currency (pure; safe for domain code).

- The amount is a ``Decimal`` with exactly the currency's minor-unit digits
  (EUR 2, JPY 0, BHD 3); ``float`` is refused everywhere (``TypeError``), and an
  amount finer than the minor unit (``1.005 EUR``) is a validation error
  (``InvalidMoney``, an ``INVALID_ARGUMENT`` with a field violation).
- Arithmetic only between the same currency (``CurrencyMismatch`` otherwise);
  multiplication by a non-integer rounds explicitly (``multiply``), and
  ``split`` divides without losing a cent.
- ``to_units_nanos``/``from_units_nanos`` follow the sign rules of
  ``google.type.Money``; ``ropo_platform.money_proto`` does the proto message.
- ``format("fi" | "sv" | "en")`` renders ``1 696,32 €`` / ``€1,696.32`` (CLDR data via babel).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import total_ordering
from typing import Any, Final

from ropo_platform.errors import FieldViolation, ValidationFailed

NANOS_PER_UNIT: Final = 1_000_000_000
MAX_NANOS: Final = NANOS_PER_UNIT - 1
INT64_MAX: Final = 2**63 - 1
INT64_MIN: Final = -(2**63)

# ISO 4217 minor units that differ from the usual 2.
_MINOR_UNITS: Final[dict[str, int]] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")

# The portal's languages and the CLDR locale whose conventions they use.
_LOCALES: Final[dict[str, str]] = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_IE"}


class InvalidMoney(ValidationFailed):
    """An amount or currency that cannot be accepted (user input): ``INVALID_ARGUMENT``."""

    default_reason = "INVALID_MONEY"

    def __init__(self, description: str, field: str = "amount") -> None:
        super().__init__([FieldViolation(field, description)], f"invalid money: {description}")


class CurrencyMismatch(ValueError):
    """Arithmetic or comparison across currencies: a programming error."""


def minor_units(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217; 2 unless listed otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


def _to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money does not accept float amounts; use Decimal or str")
    if isinstance(value, bool):
        raise TypeError("Money does not accept bool amounts")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise InvalidMoney("is not a decimal number") from None
    raise TypeError(f"Money amount must be Decimal, int or str, not {type(value).__name__}")


@total_ordering
@dataclass(frozen=True, slots=True, init=False, eq=True, order=False)
class Money:
    """An exact amount of one currency; immutable and hashable."""

    amount: Decimal
    currency: str

    def __init__(
        self,
        amount: Decimal | int | str,
        currency: str,
        *,
        field: str = "amount",
        currency_field: str = "currency_code",
    ) -> None:
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            raise InvalidMoney("must be a 3-letter ISO 4217 code", field=currency_field)
        value = _to_decimal(amount)
        if not value.is_finite():
            raise InvalidMoney("must be a finite number", field=field)
        digits = minor_units(currency)
        quantum = Decimal(1).scaleb(-digits)
        try:
            quantized = value.quantize(quantum)
        except InvalidOperation:
            raise InvalidMoney("is too large", field=field) from None
        if quantized != value:
            raise InvalidMoney(f"must not have more than {digits} decimals", field=field)
        # Normalise -0.00 to 0.00 so that equal amounts print alike.
        object.__setattr__(self, "amount", quantized + 0)
        object.__setattr__(self, "currency", currency)

    # ------------------------------------------------------------------ constructors

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def eur(cls, amount: Decimal | int | str) -> Money:
        return cls(amount, "EUR")

    @classmethod
    def from_minor_units(cls, minor: int, currency: str) -> Money:
        """``Money.from_minor_units(169632, "EUR")`` → 1696.32 EUR."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError("minor units must be an int")
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    @classmethod
    def from_units_nanos(
        cls, units: int, nanos: int, currency: str, *, field: str = "amount"
    ) -> Money:
        """Build from ``google.type.Money`` parts, enforcing its range and sign rules."""
        if not -MAX_NANOS <= nanos <= MAX_NANOS:
            raise InvalidMoney("must be between -999999999 and 999999999", field=f"{field}.nanos")
        if (units > 0 and nanos < 0) or (units < 0 and nanos > 0):
            raise InvalidMoney("must have the same sign as units", field=f"{field}.nanos")
        amount = Decimal(units) + Decimal(nanos).scaleb(-9)
        return cls(amount, currency, field=field, currency_field=f"{field}.currency_code")

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Total of ``items`` (all in ``currency``); zero for none."""
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    # ------------------------------------------------------------------ views

    @property
    def minor_units(self) -> int:
        """The amount in minor units (cents): 1696.32 EUR → 169632."""
        return int(self.amount.scaleb(minor_units(self.currency)))

    def to_units_nanos(self) -> tuple[int, int]:
        """``(units, nanos)`` as in ``google.type.Money`` (both with the amount's sign)."""
        units = int(self.amount)  # truncates toward zero, so nanos share the sign
        nanos = int((self.amount - units).scaleb(9))
        if not INT64_MIN <= units <= INT64_MAX:
            raise InvalidMoney("is too large")
        return units, nanos

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    # ------------------------------------------------------------------ arithmetic

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: int) -> Money:
        # Only integers: any other factor needs an explicit rounding (multiply()).
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money * int only; use multiply() for other factors")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def multiply(self, factor: Decimal | int | str, rounding: str = ROUND_HALF_UP) -> Money:
        """``self × factor`` rounded to the minor unit (default half up, as Finnish practice)."""
        exact = self.amount * _to_decimal(factor)
        quantum = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(exact.quantize(quantum, rounding=rounding), self.currency)

    def split(self, parts: int) -> list[Money]:
        """Divide into ``parts`` amounts that differ by at most one minor unit and sum to self.

        The larger shares come first: 100.00 / 3 → 33.34, 33.33, 33.33.
        """
        if parts < 1:
            raise ValueError("parts must be at least 1")
        total = self.minor_units
        base, remainder = divmod(abs(total), parts)
        sign = -1 if total < 0 else 1
        shares = [base + 1 if i < remainder else base for i in range(parts)]
        return [Money.from_minor_units(sign * share, self.currency) for share in shares]

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __bool__(self) -> bool:
        # Like Decimal: zero is falsy. Prefer is_zero() and `is None` checks in code.
        return not self.is_zero()

    # ------------------------------------------------------------------ text

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def format(self, locale: str = "fi") -> str:
        """Display text: ``fi``/``sv`` → ``1 696,32 €`` (U+00A0 spaces), ``en`` → ``€1,696.32``.

        ``locale`` is a portal language (fi, sv, en) or a CLDR locale (``fi_FI``).
        """
        from babel.numbers import format_currency  # data only; imported on first use

        cldr = _LOCALES.get(locale.split("-")[0].split("_")[0].lower(), locale.replace("-", "_"))
        text: str = format_currency(self.amount, self.currency, locale=cldr)
        return text

    def __format__(self, spec: str) -> str:
        return self.format(spec) if spec else str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money, (str(self.amount), self.currency))


def parse_money(amount: str, currency: str, *, field: str = "amount") -> Money:
    """Money from user text (``"1696.32"``); wrong text is an ``InvalidMoney`` on ``field``."""
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        raise InvalidMoney("is not a decimal number", field=field) from None
    return Money(value, currency, field=field)


__all__ = [
    "CurrencyMismatch",
    "InvalidMoney",
    "Money",
    "minor_units",
    "parse_money",
]
