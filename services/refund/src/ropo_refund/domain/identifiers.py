"""The two codes printed on a refund letter: the case number and the MyRopo ID.

- Case number: 10 digits, the first ``9``, the last a Luhn check digit over the other
  nine. Random, so that one case number says nothing about another.
- MyRopo ID: 60 random bits as 12 symbols of Crockford's base32 alphabet (no I, L, O,
  U: nothing to confuse when typed from paper), printed in groups of four.

Randomness comes in as integers from the caller (the service layer's random source),
so these functions stay pure and testable.
"""

from __future__ import annotations

import hmac
import re

from stdnum import luhn

CASE_NUMBER_LENGTH = 10
CASE_NUMBER_PREFIX = "9"
#: How many different random bodies a case number has (8 digits after the ``9``).
CASE_NUMBER_SPACE = 10 ** (CASE_NUMBER_LENGTH - 2)

MYROPO_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MYROPO_ID_LENGTH = 12
MYROPO_ID_BITS = 60
_GROUP = 4
# Typed input: letters people confuse with digits read as those digits.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
_CASE_NUMBER = re.compile(rf"^{CASE_NUMBER_PREFIX}\d{{{CASE_NUMBER_LENGTH - 1}}}$")


def case_number_from(body: int) -> str:
    """The case number whose random part is ``body`` (0 ≤ body < ``CASE_NUMBER_SPACE``)."""
    if not 0 <= body < CASE_NUMBER_SPACE:
        raise ValueError("case number body out of range")
    partial = f"{CASE_NUMBER_PREFIX}{body:0{CASE_NUMBER_LENGTH - 2}d}"
    return partial + luhn.calc_check_digit(partial)


def normalise_case_number(text: str) -> str:
    """Typed text without spaces and dashes (what a lookup and the attempt counter key on)."""
    return _SEPARATORS.sub("", text).strip()


def parse_case_number(text: str) -> str | None:
    """The canonical case number of typed text, or ``None`` when it cannot be one."""
    value = normalise_case_number(text)
    if not _CASE_NUMBER.match(value) or not luhn.is_valid(value):
        return None
    return value


def myropo_id_from(bits: int) -> str:
    """The canonical MyRopo ID of a 60-bit random number."""
    if not 0 <= bits < 1 << MYROPO_ID_BITS:
        raise ValueError("MyRopo ID bits out of range")
    symbols = []
    for _ in range(MYROPO_ID_LENGTH):
        bits, index = divmod(bits, len(MYROPO_ID_ALPHABET))
        symbols.append(MYROPO_ID_ALPHABET[index])
    return "".join(reversed(symbols))


def parse_myropo_id(text: str) -> str | None:
    """The canonical MyRopo ID of typed text (any case, spaces and dashes, O/I/L read as
    0/1/1), or ``None`` when it cannot be one."""
    value = _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)
    if len(value) != MYROPO_ID_LENGTH or any(c not in MYROPO_ID_ALPHABET for c in value):
        return None
    return value


def format_myropo_id(canonical: str) -> str:
    """``4KQ79XMP2D3H`` → ``4KQ7-9XMP-2D3H`` (as printed)."""
    return "-".join(canonical[i : i + _GROUP] for i in range(0, len(canonical), _GROUP))


def myropo_id_matches(stored: str, given: str) -> bool:
    """Constant-time comparison, so response time says nothing about a partial match."""
    return hmac.compare_digest(stored.encode("ascii"), given.encode("ascii"))
