"""The virtual bank barcode (Pankkiviivakoodi-opas v5.3), versions 4 and 5."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

_MAX_AMOUNT = Decimal("999999.99")


def virtual_barcode(iban: str, amount: Decimal, reference: str, due_date: date | None) -> str:
    """The 54-digit string: version 4 for a national reference, 5 for an RF reference.

    Amounts above 999 999.99 are written as zeros, as the guide says; a missing
    due date as ``000000``.
    """
    compact_iban = iban.replace(" ", "").upper()
    if not compact_iban.startswith("FI") or len(compact_iban) != 18:
        raise ValueError("the barcode needs a Finnish IBAN")
    if amount < 0:
        raise ValueError("amount must not be negative")
    account = compact_iban[2:]
    total_cents = int(amount * 100) if amount <= _MAX_AMOUNT else 0
    money = f"{total_cents // 100:06d}{total_cents % 100:02d}"
    due = f"{due_date:%y%m%d}" if due_date else "000000"
    ref = reference.replace(" ", "").upper()
    if ref.startswith("RF"):
        check, body = ref[2:4], ref[4:]
        if not body.isdigit() or len(body) > 21:
            raise ValueError("version 5 needs a numeric RF body of at most 21 digits")
        return f"5{account}{money}{check}{body:0>21}{due}"
    if not ref.isdigit() or len(ref) > 20:
        raise ValueError("version 4 needs a national reference of at most 20 digits")
    return f"4{account}{money}000{ref:0>20}{due}"
