"""Finnish identifiers computed from scratch: henkilötunnus, Y-tunnus, references, IBAN.

The sandbox computes its own check characters (tests cross-check them with
python-stdnum and schwifty), so the demo data never depends on a copied list.
"""

from __future__ import annotations

from datetime import date

HETU_CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Century signs since the 2023 reform: any of them may appear in a new code.
CENTURY_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
# Individual numbers 900-999 are never issued to real people.
ARTIFICIAL_INDIVIDUAL_NUMBERS = range(900, 1000)

_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_REFERENCE_WEIGHTS = (7, 3, 1)


def hetu_check_character(birth_date: date, individual_number: int) -> str:
    """The check character of a henkilötunnus: ``DDMMYYNNN`` mod 31 in the DVV table."""
    if not 2 <= individual_number <= 999:
        raise ValueError("individual number must be 002-999")
    digits = f"{birth_date:%d%m%y}{individual_number:03d}"
    return HETU_CHECK_CHARACTERS[int(digits) % 31]


def make_hetu(birth_date: date, individual_number: int, century_sign: str | None = None) -> str:
    """A henkilötunnus; ``century_sign`` defaults to the traditional one of the century."""
    century = birth_date.year // 100 * 100
    allowed = CENTURY_SIGNS.get(century)
    if allowed is None:
        raise ValueError(f"no century sign for year {birth_date.year}")
    sign = century_sign or allowed[0]
    if len(sign) != 1 or sign not in allowed:
        raise ValueError(f"century sign {sign!r} does not belong to the {century}s")
    check = hetu_check_character(birth_date, individual_number)
    return f"{birth_date:%d%m%y}{sign}{individual_number:03d}{check}"


def mask_hetu(hetu: str) -> str:
    """Show only the birth date and century sign: ``150385-****``."""
    return f"{hetu[:7]}****"


def business_id(base: str) -> str:
    """A Y-tunnus from its 7 digits: weights 7,9,10,5,8,4,2, mod 11 (remainder 1 is unusable)."""
    if len(base) != 7 or not base.isdigit():
        raise ValueError("business id base must be 7 digits")
    remainder = sum(int(d) * w for d, w in zip(base, _BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        raise ValueError(f"{base} has no valid check digit (remainder 1)")
    check = 0 if remainder == 0 else 11 - remainder
    return f"{base}-{check}"


def vat_number(business_id_: str) -> str:
    """The Finnish VAT number of a business id: ``FI`` + the 8 digits."""
    return "FI" + business_id_.replace("-", "")


def national_reference(base: str) -> str:
    """A Finnish national reference: base digits + 7-3-1 check digit (right to left)."""
    if not 3 <= len(base) <= 19 or not base.isdigit() or base[0] == "0":
        raise ValueError("reference base must be 3-19 digits without a leading zero")
    total = sum(int(d) * _REFERENCE_WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return f"{base}{(10 - total % 10) % 10}"


def rf_reference(national: str) -> str:
    """An ISO 11649 RF creditor reference wrapping a national reference (with its check digit)."""
    numeric = int(national + "2715" + "00")  # "RF" = 27 15, check digits 00
    return f"RF{98 - numeric % 97:02d}{national}"


def luhn_digit(digits: str) -> str:
    """The Luhn check digit (used by the Finnish BBAN)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def finnish_iban(bban_without_check: str) -> str:
    """A Finnish IBAN from the 13 leading BBAN digits (bank code first)."""
    if len(bban_without_check) != 13 or not bban_without_check.isdigit():
        raise ValueError("Finnish BBAN body must be 13 digits")
    bban = bban_without_check + luhn_digit(bban_without_check)
    check = 98 - int(bban + "1518" + "00") % 97  # "FI" = 15 18
    return f"FI{check:02d}{bban}"
