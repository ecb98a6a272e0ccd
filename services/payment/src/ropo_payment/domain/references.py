"""Classifying the reference a payer gave on a bank payment.

The bank passes on whatever the payer typed (or the barcode carried): a national
reference (viitenumero, 7-3-1 check digit), an RF creditor reference (ISO 11649),
something broken, or nothing. Matching needs one spelling per reference, the same
machine format the invoice service publishes in ``invoice_registered``: national
references without spaces and without leading zeros, RF references upper case
without spaces.

python-stdnum 2.2 has no Finnish reference module, so the national 7-3-1 rule of
Finance Finland's "Kotimaisen viitteen rakenneohje" is implemented here (weights 7,
3, 1 from the right; check digit = (10 − sum mod 10) mod 10); RF goes through
``stdnum.iso11649``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

_WHITESPACE = re.compile(r"\s+")
_WEIGHTS = (7, 3, 1)
#: Longest national reference, check digit included.
_NATIONAL_MAX_DIGITS = 20
#: Shortest national reference (3 base digits + check digit).
_NATIONAL_MIN_DIGITS = 4
#: The reference column is 35 characters wide; a longer "reference" is kept cut.
MAX_REFERENCE_LENGTH = 35


class UnclearReason(StrEnum):
    """Why a bank payment could not be matched to an invoice."""

    UNKNOWN_REFERENCE = "unknown_reference"  # well-formed, but no invoice has it
    INVALID_REFERENCE = "invalid_reference"  # check digit or format wrong
    MISSING_REFERENCE = "missing_reference"  # the payer gave none


@dataclass(frozen=True, slots=True)
class ClassifiedReference:
    """A payer's reference: ``value`` in machine format (or, when invalid, as given
    without spaces) and ``problem`` when it cannot be used for matching."""

    value: str
    problem: UnclearReason | None

    @property
    def is_valid(self) -> bool:
        return self.problem is None

    def lookup_forms(self) -> tuple[str, ...]:
        """The spellings an invoice may carry for this reference: itself, and the
        national reference an RF wraps (or the RF wrapping a national reference),
        because Finnish RF references are built around the national one."""
        if self.problem is not None:
            return ()
        if self.value.startswith("RF"):
            body = self.value[4:].lstrip("0")
            if _is_valid_national(body):
                return (self.value, body)
            return (self.value,)
        return (self.value, rf_from_national(self.value))


def classify_reference(raw: str) -> ClassifiedReference:
    """Classify the reference as the bank delivered it (KTL zero padding already
    stripped by the parser; leading zeros are stripped here too, they carry no meaning)."""
    compact = _WHITESPACE.sub("", raw).upper()
    if not compact:
        return ClassifiedReference("", UnclearReason.MISSING_REFERENCE)
    if compact.startswith("RF"):
        try:
            iso11649.validate(compact)
        except ValidationError:
            return _invalid(compact)
        return ClassifiedReference(compact, None)
    national = compact.lstrip("0")
    if compact.isdigit() and not national:
        # All zeros: a bank's way of saying "no reference".
        return ClassifiedReference("", UnclearReason.MISSING_REFERENCE)
    if _is_valid_national(compact) and len(national) >= _NATIONAL_MIN_DIGITS:
        return ClassifiedReference(national, None)
    return _invalid(compact)


def national_check_digit(base: str) -> str:
    """The 7-3-1 check digit of a national reference's base digits."""
    total = sum(
        int(digit) * _WEIGHTS[position % 3] for position, digit in enumerate(reversed(base))
    )
    return str((10 - total % 10) % 10)


def rf_from_national(national: str) -> str:
    """The RF creditor reference wrapping a national reference (ISO 11649 mod 97-10)."""
    # ISO 11649 moves "RF" + check digits to the end before the mod 97-10 check.
    return "RF" + mod_97_10.calc_check_digits(national + "RF") + national


def _is_valid_national(digits: str) -> bool:
    if not digits.isdigit() or not _NATIONAL_MIN_DIGITS <= len(digits) <= _NATIONAL_MAX_DIGITS:
        return False
    return national_check_digit(digits[:-1]) == digits[-1]


def _invalid(compact: str) -> ClassifiedReference:
    return ClassifiedReference(compact[:MAX_REFERENCE_LENGTH], UnclearReason.INVALID_REFERENCE)
