"""How identifiers are printed for people (the same forms as on the paper invoice).

The invoice service sends identifiers in machine form without spaces; these
functions only add spacing. They never validate: a value they do not recognise
is shown as it came.
"""

from __future__ import annotations

import re
from typing import Final

_NATIONAL: Final = re.compile(r"^[0-9]{2,20}$")
_RF: Final = re.compile(r"^RF[0-9]{2}[0-9A-Z]{1,21}$")
_CASE_NUMBER: Final = re.compile(r"^[0-9]{12}$")
_IBAN: Final = re.compile(r"^[A-Z]{2}[0-9]{2}[0-9A-Z]{1,30}$")


def _groups_from_left(value: str, size: int) -> str:
    return " ".join(value[i : i + size] for i in range(0, len(value), size))


def printed_reference(reference: str) -> str:
    """*Maksuviite* as printed: national in groups of five counted from the right
    (``1234561`` → ``12 34561``), RF in groups of four from the left
    (``RF332348236`` → ``RF33 2348 236``)."""
    compact = reference.replace(" ", "").upper()
    if _RF.match(compact):
        return _groups_from_left(compact, 4)
    if _NATIONAL.match(compact):
        head = len(compact) % 5
        groups = [compact[:head]] if head else []
        groups += [compact[i : i + 5] for i in range(head, len(compact), 5)]
        return " ".join(groups)
    return reference


def printed_case_number(case_number: str) -> str:
    """*Asianumero* in groups of four: ``123456789012`` → ``1234 5678 9012``."""
    return _groups_from_left(case_number, 4) if _CASE_NUMBER.match(case_number) else case_number


def printed_iban(iban: str) -> str:
    """An IBAN in groups of four (``FI21 1234 5600 0007 85``)."""
    compact = iban.replace(" ", "").upper()
    return _groups_from_left(compact, 4) if _IBAN.match(compact) else iban


def compact_search_text(text: str) -> str:
    """The free-text search of the front page: a reference typed in its printed form
    (``12 34561``, ``RF33 2348 236``) is searched in the machine form the service stores;
    any other text is only trimmed."""
    stripped = " ".join(text.split())
    compact = stripped.replace(" ", "").upper()
    if " " in stripped and (_NATIONAL.match(compact) or _RF.match(compact)):
        return compact
    return stripped
