"""Does the account holder's name match the debtor's?

Both names are reduced to tokens: accents removed (NFKD without combining marks),
case folded, letters and digits kept, anything else splits. They match when every
token of the holder is a token of the debtor and the holder has at least
``min(2, debtor tokens)`` tokens: "Meikäläinen Matti" matches "Matti Tapio
Meikäläinen", "Matti" alone does not. No debtor name (an unclear payment without a
payer name) matches nothing, so staff review the account.
"""

from __future__ import annotations

import unicodedata


def name_tokens(name: str) -> list[str]:
    """The comparable words of a name."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    cleaned = "".join(char if char.isalnum() else " " for char in plain)
    return cleaned.split()


def names_match(holder_name: str, debtor_name: str) -> bool:
    """True when the holder is plausibly the debtor (see the module docstring)."""
    debtor = set(name_tokens(debtor_name))
    if not debtor:
        return False
    holder = name_tokens(holder_name)
    if len(set(holder)) < min(2, len(debtor)):
        return False
    return all(token in debtor for token in holder)
