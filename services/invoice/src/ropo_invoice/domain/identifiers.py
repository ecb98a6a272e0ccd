"""Identifiers that appear on invoices and letters: value objects that validate themselves.

Each ``parse`` accepts what people and creditor systems actually send (spaces,
lower case, group separators) and keeps one canonical machine form, so that
equality and database lookups work on a single spelling.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fi import hetu, ytunnus

from ropo_invoice.domain.errors import InvalidValue

RandomBits = Callable[[int], int]
"""``secrets.randbits``-compatible source of randomness (tests inject a seeded one)."""

_SEPARATORS = re.compile(r"[\s\-]+")


# --------------------------------------------------------------------------- references


class ReferenceKind(StrEnum):
    """Which reference standard a payment reference follows."""

    NATIONAL = "national"  # kotimainen viite, 7-3-1 check digit
    RF = "rf"  # ISO 11649 creditor reference


_NATIONAL_WEIGHTS = (7, 3, 1)


def national_check_digit(base: str) -> str:
    """The 7-3-1 check digit of a national reference's base digits (3–19 digits).

    python-stdnum has no Finnish reference module, so the rule of Finance Finland's
    "Kotimaisen viitteen rakenneohje" is implemented here: weights 7, 3, 1 from the
    right, check digit = (10 − sum mod 10) mod 10.
    """
    if not base.isdigit() or not 3 <= len(base) <= 19:
        raise InvalidValue("the base of a national reference has 3–19 digits")
    return _check_digit_731(base)


def _check_digit_731(digits: str) -> str:
    total = sum(
        int(digit) * _NATIONAL_WEIGHTS[position % 3]
        for position, digit in enumerate(reversed(digits))
    )
    return str((10 - total % 10) % 10)


@dataclass(frozen=True, slots=True)
class PaymentReference:
    """A payment reference (viitenumero): national or RF, in canonical machine form.

    National references are stored without spaces and without leading zeros (the
    zeros carry no meaning: the virtual bank barcode pads them back, and payment
    matching must see one spelling). RF references are stored upper case without
    spaces. An RF body must be numeric so that the version 5 barcode can carry it;
    it need not wrap a valid national reference (foreign-built RFs are valid
    ISO 11649 references and banks accept them).
    """

    value: str
    kind: ReferenceKind

    @classmethod
    def parse(cls, raw: str) -> PaymentReference:
        """Validate ``raw`` (spaces allowed) and return the canonical reference."""
        compact = re.sub(r"\s+", "", raw).upper()
        if not compact:
            raise InvalidValue("the reference is empty")
        if compact.startswith("RF"):
            return cls._parse_rf(compact)
        return cls._parse_national(compact)

    @classmethod
    def _parse_national(cls, compact: str) -> PaymentReference:
        if not compact.isdigit():
            raise InvalidValue("a national reference has only digits (or starts with RF)")
        if not 4 <= len(compact) <= 20:
            raise InvalidValue("a national reference has 4–20 digits")
        if _check_digit_731(compact[:-1]) != compact[-1]:
            raise InvalidValue("the check digit of the national reference is wrong")
        canonical = compact.lstrip("0")
        if len(canonical) < 4:
            raise InvalidValue("a national reference has at least 4 significant digits")
        return cls(canonical, ReferenceKind.NATIONAL)

    @classmethod
    def _parse_rf(cls, compact: str) -> PaymentReference:
        try:
            iso11649.validate(compact)
        except StdnumValidationError as error:
            raise InvalidValue(f"not a valid RF creditor reference ({error})") from None
        if not compact[4:].isdigit():
            raise InvalidValue("the RF reference body must be numeric (for the bank barcode)")
        return cls(compact, ReferenceKind.RF)

    @classmethod
    def national_from_base(cls, base: str) -> PaymentReference:
        """A national reference built from ``base`` digits plus their check digit."""
        return cls.parse(base + national_check_digit(base))

    def to_rf(self) -> PaymentReference:
        """The RF creditor reference that wraps this national reference, check digit
        included (the Finnish way to build an RF); an RF is returned unchanged."""
        if self.kind is ReferenceKind.RF:
            return self
        # ISO 11649: "RF" reads as 27 15; with check digits 00 appended, the check is
        # 98 − (number mod 97).
        check = 98 - int(f"{self.value}271500") % 97
        return PaymentReference.parse(f"RF{check:02d}{self.value}")

    @property
    def wraps_national_reference(self) -> bool:
        """True for an RF whose body is a valid national reference (the Finnish way)."""
        if self.kind is ReferenceKind.NATIONAL:
            return True
        try:
            self._parse_national(self.value[4:])
        except InvalidValue:
            return False
        return True

    @property
    def printed(self) -> str:
        """The form printed on paper: national in groups of five from the right,
        RF in groups of four from the left."""
        if self.kind is ReferenceKind.RF:
            return str(iso11649.format(self.value))
        head = len(self.value) % 5
        groups = [self.value[:head]] if head else []
        groups += [self.value[i : i + 5] for i in range(head, len(self.value), 5)]
        return " ".join(groups)

    def __str__(self) -> str:
        return self.value


# ------------------------------------------------------------------- parties and accounts


@dataclass(frozen=True, slots=True)
class BusinessId:
    """Finnish business ID (Y-tunnus), canonical ``1234567-8``."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> BusinessId:
        """Accept ``1234567-8``, ``12345678`` or the VAT form ``FI12345678``."""
        try:
            return cls(str(ytunnus.format(ytunnus.validate(raw))))
        except StdnumValidationError:
            raise InvalidValue("not a valid Finnish business ID (Y-tunnus)") from None

    @staticmethod
    def is_valid(raw: str) -> bool:
        """True when ``raw`` is a valid business ID."""
        return bool(ytunnus.is_valid(raw))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class BankAccount:
    """An IBAN (canonical without spaces) with its optional BIC."""

    iban: str
    bic: str = ""

    @classmethod
    def parse(cls, iban: str, bic: str = "") -> BankAccount:
        """Validate the IBAN's checksum and country format and the BIC's format."""
        try:
            parsed_iban = IBAN(iban)
        except SchwiftyException:
            raise InvalidValue("not a valid IBAN") from None
        canonical_bic = ""
        if bic.strip():
            try:
                canonical_bic = str(BIC(bic.strip()))
            except SchwiftyException:
                raise InvalidValue("not a valid BIC") from None
        return cls(str(parsed_iban.compact), canonical_bic)


class NationalId:
    """A henkilötunnus in clear text. Deliberately not a dataclass: its ``repr``/``str``
    are masked so that it cannot end up in a log line, a trace or an error message by
    accident; the clear value is only available through ``reveal()``, which the
    protector (encryption and pseudonym) calls.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @classmethod
    def parse(cls, raw: str) -> NationalId:
        """Validate a henkilötunnus (2023 century signs; temporary numbers 900–999 allowed,
        they are the test range and are also issued to real people)."""
        try:
            return cls(str(hetu.validate(raw.strip(), allow_temporary=True)))
        except StdnumValidationError:
            raise InvalidValue("not a valid henkilötunnus") from None

    @staticmethod
    def is_valid(raw: str) -> bool:
        """True when ``raw`` is a valid henkilötunnus."""
        return bool(hetu.is_valid(raw.strip(), allow_temporary=True))

    def reveal(self) -> str:
        """The clear henkilötunnus, compact upper case. Hand it only to the protector."""
        return self._value

    @property
    def masked(self) -> str:
        """Display form ``DDMMYY-****``: birth date visible, the rest hidden."""
        return f"{self._value[:6]}-****"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NationalId) and secrets.compare_digest(
            self._value.encode(), other._value.encode()
        )

    def __hash__(self) -> int:
        return hash(("NationalId", self._value))

    def __repr__(self) -> str:
        return f"NationalId({self.masked!r})"

    __str__ = __repr__


# ------------------------------------------------------------------ Ropo's own identifiers

# Crockford's base32 alphabet: digits and upper-case letters without I, L, O and U, so
# that nothing on a letter can be read as something else (0/O, 1/I/L) and no accidental
# words appear. When reading, the look-alikes are mapped back (O→0, I/L→1).
MYROPO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_MYROPO_DECODE = {ch: ch for ch in MYROPO_ALPHABET} | {"O": "0", "I": "1", "L": "1"}
MYROPO_ID_LENGTH = 12  # 12 symbols × 5 bits = 60 bits of randomness
MYROPO_ID_BITS = MYROPO_ID_LENGTH * 5
_MYROPO_GROUP = 4


@dataclass(frozen=True, slots=True)
class MyRopoId:
    """The MyRopo ID (MyRopo-tunnus) printed on every letter: 60 random bits, never
    derived from other fields, because together with the case number it opens an
    invoice without strong identification. Canonical form: 12 upper-case symbols;
    printed ``4KQ7-9XMP-2D3H``.
    """

    value: str

    @classmethod
    def generate(cls, randbits: RandomBits = secrets.randbits) -> MyRopoId:
        """A new random ID from a cryptographically strong source."""
        number = randbits(MYROPO_ID_BITS)
        symbols = []
        for _ in range(MYROPO_ID_LENGTH):
            number, index = divmod(number, 32)
            symbols.append(MYROPO_ALPHABET[index])
        return cls("".join(reversed(symbols)))

    @classmethod
    def parse(cls, raw: str) -> MyRopoId:
        """Accept what a person types: any case, with or without separators, and the
        look-alike letters O, I and L."""
        compact = _SEPARATORS.sub("", raw).upper()
        if len(compact) != MYROPO_ID_LENGTH:
            raise InvalidValue(f"a MyRopo ID has {MYROPO_ID_LENGTH} characters")
        try:
            return cls("".join(_MYROPO_DECODE[ch] for ch in compact))
        except KeyError:
            raise InvalidValue(
                "a MyRopo ID has only the letters and digits of its alphabet"
            ) from None

    @property
    def printed(self) -> str:
        """Grouped for print: ``4KQ7-9XMP-2D3H``."""
        return "-".join(
            self.value[i : i + _MYROPO_GROUP] for i in range(0, len(self.value), _MYROPO_GROUP)
        )

    def __str__(self) -> str:
        return self.value


CASE_NUMBER_LENGTH = 12


@dataclass(frozen=True, slots=True)
class CaseNumber:
    """Ropo's case number (asianumero): 11 random digits (first not zero) plus a 7-3-1
    check digit, so that a mistyped number is caught before any lookup. Random rather
    than sequential: it does not reveal volumes and needs no shared counter; the
    database's unique constraint catches the rare collision (the import retries).
    """

    value: str

    @classmethod
    def generate(cls, randbits: RandomBits = secrets.randbits) -> CaseNumber:
        """A new random case number."""
        body_digits = CASE_NUMBER_LENGTH - 1
        low = 10 ** (body_digits - 1)
        span = 9 * low
        # Rejection sampling keeps the distribution uniform over [low, low + span).
        bits = span.bit_length()
        while True:
            candidate = randbits(bits)
            if candidate < span:
                break
        base = str(low + candidate)
        return cls(base + _check_digit_731(base))

    @classmethod
    def parse(cls, raw: str) -> CaseNumber:
        """Validate a typed case number (spaces and dashes allowed)."""
        compact = _SEPARATORS.sub("", raw)
        if len(compact) != CASE_NUMBER_LENGTH or not compact.isdigit() or compact[0] == "0":
            raise InvalidValue(f"a case number has {CASE_NUMBER_LENGTH} digits")
        if _check_digit_731(compact[:-1]) != compact[-1]:
            raise InvalidValue("the check digit of the case number is wrong")
        return cls(compact)

    @property
    def printed(self) -> str:
        """Grouped for print: ``1234 5678 9012``."""
        return " ".join(self.value[i : i + 4] for i in range(0, len(self.value), 4))

    def __str__(self) -> str:
        return self.value


INVOICE_NUMBER_MAX_LENGTH = 20  # Finvoice InvoiceNumber is at most 20 characters


def parse_invoice_number(raw: str) -> str:
    """The creditor's invoice number, trimmed; 1–20 printable characters."""
    value = raw.strip()
    if not value:
        raise InvalidValue("the invoice number is empty")
    if len(value) > INVOICE_NUMBER_MAX_LENGTH:
        raise InvalidValue(
            f"the invoice number is longer than {INVOICE_NUMBER_MAX_LENGTH} characters"
        )
    if not value.isprintable():
        raise InvalidValue("the invoice number has control characters")
    return value
