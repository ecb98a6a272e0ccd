"""The bank account a refund is paid to: IBAN, BIC and holder name, checked as typed.

Only SEPA accounts can be paid (the payout file is a SEPA credit transfer). Problems are
reported per field with a sentence a person understands; the IBAN's problem also as a
short code (``iban_problem``) the gateway translates. Nothing here ever repeats the
typed number: a message with an IBAN in it could end up in a log.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from ropo_platform.errors import FieldViolation, ValidationFailed
from schwifty import BIC, IBAN, exceptions
from schwifty.registry import get_iban_spec

ACCOUNT_INVALID = "REFUND_ACCOUNT_INVALID"
HOLDER_NAME_MIN = 2
HOLDER_NAME_MAX = 70
_MAX_TYPED = 64
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")
_HOLDER_PUNCTUATION = frozenset(" -'.&,")


class IbanProblem(StrEnum):
    """Why an IBAN was refused (``ErrorInfo.metadata["iban_problem"]``)."""

    MISSING = "missing"
    FORMAT = "format"
    LENGTH = "length"
    CHECKSUM = "checksum"
    NOT_SEPA = "not_sepa"


_IBAN_TEXT = {
    IbanProblem.MISSING: "Enter the IBAN.",
    IbanProblem.FORMAT: (
        "An IBAN has a two-letter country code, two check digits and the account number."
    ),
    IbanProblem.CHECKSUM: "The IBAN's check digits do not match: check the number.",
    IbanProblem.NOT_SEPA: "Refunds are paid only to accounts in the SEPA area.",
}


@dataclass(frozen=True, slots=True)
class AccountDetails:
    """A checked account: compact upper-case IBAN, BIC (given or derived, may be ""),
    the holder name trimmed."""

    iban: str
    bic: str
    holder_name: str


class AccountInvalid(ValidationFailed):
    """``INVALID_ARGUMENT`` ``REFUND_ACCOUNT_INVALID`` with the field violations."""

    def __init__(self, violations: list[FieldViolation], iban_problem: IbanProblem | None) -> None:
        metadata = {"iban_problem": iban_problem.value} if iban_problem else {}
        super().__init__(
            violations,
            message="The account details are not valid.",
            reason=ACCOUNT_INVALID,
            metadata=metadata,
        )
        self.iban_problem = iban_problem


def compact_iban(text: str) -> str:
    """Typed IBAN without spaces, upper case."""
    return "".join(text.split()).upper()


def check_iban(text: str) -> tuple[str, IbanProblem | None, str]:
    """``(compact IBAN, problem, description)``; the problem is ``None`` when valid."""
    value = compact_iban(text)
    if not value:
        return value, IbanProblem.MISSING, _IBAN_TEXT[IbanProblem.MISSING]
    if len(value) > _MAX_TYPED or not _IBAN_SHAPE.match(value):
        return value, IbanProblem.FORMAT, _IBAN_TEXT[IbanProblem.FORMAT]
    country = value[:2]
    try:
        expected = get_iban_spec(country).iban_length
    except exceptions.InvalidCountryCode:
        return value, IbanProblem.FORMAT, _IBAN_TEXT[IbanProblem.FORMAT]
    if len(value) != expected:
        return value, IbanProblem.LENGTH, f"An IBAN of {country} has {expected} characters."
    try:
        iban = IBAN(value)
    except exceptions.InvalidChecksumDigits:
        return value, IbanProblem.CHECKSUM, _IBAN_TEXT[IbanProblem.CHECKSUM]
    except exceptions.SchwiftyException:
        return value, IbanProblem.FORMAT, _IBAN_TEXT[IbanProblem.FORMAT]
    if not iban.in_sepa_zone:
        return value, IbanProblem.NOT_SEPA, _IBAN_TEXT[IbanProblem.NOT_SEPA]
    return value, None, ""


def derived_bic(iban: str) -> str:
    """The BIC of a Finnish IBAN's bank ("" for other countries or an unknown bank)."""
    if not iban.startswith("FI"):
        return ""
    try:
        bic = IBAN(iban).bic
    except exceptions.SchwiftyException:
        return ""
    return str(bic) if bic is not None else ""


def _bic_problem(text: str) -> tuple[str, str]:
    value = "".join(text.split()).upper()
    try:
        return str(BIC(value)), ""
    except exceptions.SchwiftyException:
        return value, "A BIC has 8 or 11 letters and digits, e.g. OKOYFIHH."


def _holder_problem(text: str) -> tuple[str, str]:
    value = " ".join(text.split())
    if not value:
        return value, "Enter the account holder's name."
    if not HOLDER_NAME_MIN <= len(value) <= HOLDER_NAME_MAX:
        return value, (
            f"The account holder's name has {HOLDER_NAME_MIN} to {HOLDER_NAME_MAX} characters."
        )
    for char in value:
        if char in _HOLDER_PUNCTUATION or char.isdigit():
            continue
        if not unicodedata.category(char).startswith(("L", "M")):
            return value, (
                "The account holder's name may have letters, digits, spaces and - ' . & ,"
            )
    return value, ""


def check_account(iban: str, bic: str, holder_name: str) -> AccountDetails:
    """The checked account, or ``AccountInvalid`` with every problem at once."""
    violations: list[FieldViolation] = []
    compact, problem, description = check_iban(iban)
    if problem is not None:
        violations.append(FieldViolation("iban", description, f"IBAN_{problem.value.upper()}"))
    checked_bic = ""
    if bic.strip():
        checked_bic, bic_description = _bic_problem(bic)
        if bic_description:
            violations.append(FieldViolation("bic", bic_description))
    elif problem is None:
        checked_bic = derived_bic(compact)
    holder, holder_description = _holder_problem(holder_name)
    if holder_description:
        violations.append(FieldViolation("holder_name", holder_description))
    if violations:
        raise AccountInvalid(violations, problem)
    return AccountDetails(compact, checked_bic, holder)


def mask_iban(iban: str) -> str:
    """``FI4250001510000023`` → ``FI42 **** **** **** 23``: the printed groups of four,
    only the country code, the check digits and the last two characters shown."""
    compact = compact_iban(iban)
    if len(compact) < 8:
        return "****"
    groups = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    last = groups[-1]
    shown_last = "*" * max(0, len(last) - 2) + last[-2:]
    return " ".join([groups[0], *(["****"] * (len(groups) - 2)), shown_last])
