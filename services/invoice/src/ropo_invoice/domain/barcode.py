"""The virtual bank barcode (virtuaaliviivakoodi) of Finance Finland's Bank Bar Code Guide.

Always 54 digits; the IBAN is written without its ``FI`` prefix::

    version 4 (national reference)
      1      4
      2-17   IBAN digits
      18-25  amount: 6 euro digits + 2 cent digits
      26-28  000 (reserved)
      29-48  national reference, zero-padded on the left
      49-54  due date YYMMDD (000000 when none)

    version 5 (RF creditor reference)
      1      5
      2-17   IBAN digits
      18-25  amount: 6 euro digits + 2 cent digits
      26-27  RF check digits
      28-48  RF body, zero-padded on the left
      49-54  due date YYMMDD (000000 when none)

An amount above 999 999,99 does not fit and is written as zeros: the payer then
types the amount, as for an invoice without one. Only Finnish IBANs and euro
amounts can be encoded. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import BankAccount, PaymentReference, ReferenceKind

BARCODE_LENGTH: Final = 54
BARCODE_CURRENCY: Final = "EUR"
#: The largest amount the eight amount digits can carry; larger ones are written as zeros.
MAX_BARCODE_AMOUNT: Final = Money(Decimal("999999.99"), BARCODE_CURRENCY)
NATIONAL_VERSION: Final = 4
RF_VERSION: Final = 5

BarcodeVersion = Literal[4, 5]

_IBAN_DIGITS = 16
_NATIONAL_WIDTH = 20
_RF_BODY_WIDTH = 21
_NO_DUE_DATE = "000000"
# str.isdigit() accepts other scripts' digits (e.g. Arabic-Indic); the barcode is ASCII.
_ASCII_DIGITS = re.compile(r"[0-9]+")
# The barcode writes the year with two digits; read back as 20YY.
_CENTURY = 2000


@dataclass(frozen=True, slots=True)
class BarcodeFields:
    """What a virtual bank barcode carries.

    ``amount`` is zero when the barcode has no amount (zero, or too large to
    encode); ``due_date`` is ``None`` when it has none.
    """

    version: BarcodeVersion
    iban: str
    amount: Money
    reference: PaymentReference
    due_date: date | None


def virtual_bank_barcode(
    iban: str, amount: Money, reference: PaymentReference, due_date: date | None
) -> str:
    """The 54-digit barcode: version 4 for a national reference, version 5 for an RF.

    Raises ``InvalidValue`` for an invalid or non-Finnish IBAN, a non-euro or
    negative amount, or a due date whose year is outside 2000–2099 (the barcode
    writes two year digits).
    """
    account = _finnish_iban_digits(iban)
    encoded_amount = _amount_digits(amount)
    encoded_due = _due_date_digits(due_date)
    if reference.kind is ReferenceKind.NATIONAL:
        padded = reference.value.rjust(_NATIONAL_WIDTH, "0")
        return f"{NATIONAL_VERSION}{account}{encoded_amount}000{padded}{encoded_due}"
    check, rf_body = reference.value[2:4], reference.value[4:]
    if not _ASCII_DIGITS.fullmatch(rf_body) or len(rf_body) > _RF_BODY_WIDTH:
        # PaymentReference already guarantees this; a hand-built one might not.
        raise InvalidValue("the RF reference body must be at most 21 digits for the barcode")
    body = rf_body.rjust(_RF_BODY_WIDTH, "0")
    return f"{RF_VERSION}{account}{encoded_amount}{check}{body}{encoded_due}"


def parse_virtual_bank_barcode(digits: str) -> BarcodeFields:
    """Read a 54-digit barcode back into its fields, validating the IBAN checksum,
    the reference's check digits and the due date; raises ``InvalidValue``."""
    compact = digits.strip()
    if len(compact) != BARCODE_LENGTH or not _ASCII_DIGITS.fullmatch(compact):
        raise InvalidValue(f"a virtual bank barcode has exactly {BARCODE_LENGTH} digits")
    version = compact[0]
    iban = _iban_from_digits(compact[1:17])
    amount = Money.from_minor_units(int(compact[17:25]), BARCODE_CURRENCY)
    due_date = _due_date_from_digits(compact[48:54])
    if version == str(NATIONAL_VERSION):
        if compact[25:28] != "000":
            raise InvalidValue("positions 26–28 of a version 4 barcode must be 000")
        reference = _reference(compact[28:48].lstrip("0"))
        if reference.kind is not ReferenceKind.NATIONAL:  # pragma: no cover - digits only
            raise InvalidValue("a version 4 barcode carries a national reference")
        return BarcodeFields(NATIONAL_VERSION, iban, amount, reference, due_date)
    if version == str(RF_VERSION):
        reference = _reference(f"RF{compact[25:27]}{compact[27:48].lstrip('0')}")
        return BarcodeFields(RF_VERSION, iban, amount, reference, due_date)
    raise InvalidValue("the barcode version must be 4 (national reference) or 5 (RF reference)")


# ------------------------------------------------------------------------------ encoding


def _finnish_iban_digits(iban: str) -> str:
    account = BankAccount.parse(iban)
    if not account.iban.startswith("FI") or len(account.iban) != 2 + _IBAN_DIGITS:
        raise InvalidValue("the virtual bank barcode needs a Finnish IBAN")
    return account.iban[2:]


def _amount_digits(amount: Money) -> str:
    if amount.currency != BARCODE_CURRENCY:
        raise InvalidValue("the virtual bank barcode carries only euro amounts")
    if amount.is_negative():
        raise InvalidValue("the barcode amount must not be negative")
    if amount > MAX_BARCODE_AMOUNT:
        return "0" * 8
    return f"{amount.minor_units:08d}"


def _due_date_digits(due_date: date | None) -> str:
    if due_date is None:
        return _NO_DUE_DATE
    if not _CENTURY <= due_date.year < _CENTURY + 100:
        raise InvalidValue("the barcode can carry due dates in the years 2000–2099 only")
    return f"{due_date:%y%m%d}"


# ------------------------------------------------------------------------------ decoding


def _iban_from_digits(account_digits: str) -> str:
    try:
        return BankAccount.parse("FI" + account_digits).iban
    except InvalidValue:
        raise InvalidValue("the barcode's account is not a valid Finnish IBAN") from None


def _due_date_from_digits(raw: str) -> date | None:
    if raw == _NO_DUE_DATE:
        return None
    try:
        return date(_CENTURY + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
    except ValueError:
        raise InvalidValue("the barcode's due date is not a valid calendar date") from None


def _reference(raw: str) -> PaymentReference:
    try:
        return PaymentReference.parse(raw)
    except InvalidValue as error:
        raise InvalidValue(f"the barcode's reference is invalid: {error.description}") from None
