"""Text made safe for the page: no full henkilötunnus and only characters the standard
PDF fonts can draw.

Every string that reaches a document passes through ``printable``:

- Anything that looks like a henkilötunnus is cut to its display form ``DDMMYY-****``.
  The identifier fields only accept masked forms already (see ``model``); this also
  covers free text (a row description, an address line) where a creditor system put one.
- The standard fonts are WinAnsi-encoded. Characters outside it are folded to their
  closest WinAnsi spelling (``Łódź`` → ``Lodz``) or replaced by ``?``, so that foreign
  names stay readable and nothing unexpected can fail a rendering.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from types import MappingProxyType

from ropo_platform.redaction import HETU_PATTERN

MASKED_SUFFIX = "-****"
REPLACEMENT_CHARACTER = "?"
_ENCODING = "cp1252"  # the PDF WinAnsiEncoding of the standard fonts

# Letters whose Unicode decomposition has no base letter, and spaces or dashes that
# WinAnsi lacks but which have an exact look-alike in it.
_SUBSTITUTES: MappingProxyType[str, str] = MappingProxyType(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Ŋ": "N",
        "ŋ": "n",
        "Ŧ": "T",
        "ŧ": "t",
        "Ə": "E",
        "ə": "e",
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2212": "-",  # minus sign
        "\u2007": "\xa0",  # figure space
        "\u202f": "\xa0",  # narrow no-break space (CLDR group separator)
    }
)


def _encodable(text: str) -> bool:
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=2048)
def _fold_character(character: str) -> str:
    category = unicodedata.category(character)
    if category == "Cc":
        return " "  # tabs and line feeds are layout, not content
    if category in ("Cf", "Mn"):
        return ""  # invisible formatting and stray combining marks
    if _encodable(character):
        return character
    substitute = _SUBSTITUTES.get(character)
    if substitute is not None:
        return substitute
    decomposed = unicodedata.normalize("NFKD", character)
    base = "".join(part for part in decomposed if not unicodedata.combining(part))
    if base and _encodable(base):
        return base
    return REPLACEMENT_CHARACTER


def _mask_match(match: re.Match[str]) -> str:
    return match.group(0)[:6] + MASKED_SUFFIX


def mask_identity_codes(text: str) -> str:
    """``text`` with every henkilötunnus-looking part replaced by ``DDMMYY-****``."""
    if len(text) < 11:
        return text
    return HETU_PATTERN.sub(_mask_match, text)


def to_winansi(text: str) -> str:
    """``text`` with only characters the standard fonts can draw."""
    if text.isascii() and text.isprintable():
        return text
    composed = unicodedata.normalize("NFC", text)  # "e" + U+0301 → "é", which WinAnsi has
    return "".join(_fold_character(character) for character in composed)


def printable(text: str) -> str:
    """What may be printed for ``text``: WinAnsi only, identity codes masked.

    Folding comes first so that a code written with look-alike characters (a Unicode
    hyphen, full-width digits) is recognised and masked as well.
    """
    return mask_identity_codes(to_winansi(text))
