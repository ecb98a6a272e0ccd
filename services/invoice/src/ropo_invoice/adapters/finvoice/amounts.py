"""The amounts of a Finvoice invoice or credit note.

An invoice's total is ``InvoiceTotalVatIncludedAmount``; what the debtor is asked
to pay is ``EpiInstructedAmount`` (less than the total when part was prepaid),
or the total less ``InvoicePaidAmount`` when no amount is instructed. When both
are given they must agree: a debt collector must not guess which one is right.
A credit note writes its amounts negative; the amount to credit is the size of
its total.
"""

from __future__ import annotations

from ropo_platform.money import Money

from ropo_invoice.adapters.finvoice.paths import (
    INSTRUCTED_AMOUNT_PATH,
    PAID_AMOUNT_PATH,
    TOTAL_AMOUNT_PATH,
)
from ropo_invoice.adapters.finvoice.reader import Reader


def read_invoice_amounts(reader: Reader) -> tuple[Money | None, Money | None]:
    """``(total, amount due)``; ``None`` for an amount that could not be read."""
    total = reader.amount(TOTAL_AMOUNT_PATH)
    paid = _same_currency(reader, PAID_AMOUNT_PATH, total)
    instructed = _same_currency(reader, INSTRUCTED_AMOUNT_PATH, total)
    if total is None:
        return None, None
    if paid is not None:
        if paid.is_negative():
            reader.violation(PAID_AMOUNT_PATH, "must not be negative")
            return total, None
        if paid > total:
            reader.violation(PAID_AMOUNT_PATH, "is more than the invoice total")
            return total, None
    remaining = total - paid if paid is not None else total
    if instructed is not None:
        if instructed > total:
            reader.violation(INSTRUCTED_AMOUNT_PATH, "is more than the invoice total")
        elif paid is not None and instructed != remaining:
            reader.violation(
                INSTRUCTED_AMOUNT_PATH,
                f"does not equal {TOTAL_AMOUNT_PATH} less {PAID_AMOUNT_PATH}",
            )
        due, due_path = instructed, INSTRUCTED_AMOUNT_PATH
    elif paid is not None:
        due, due_path = remaining, PAID_AMOUNT_PATH
    else:
        due, due_path = total, TOTAL_AMOUNT_PATH
    if not due.is_positive():
        reader.violation(
            due_path,
            "leaves nothing to pay" if due_path == PAID_AMOUNT_PATH else "must be more than zero",
        )
    return total, due


def read_credit_amount(reader: Reader) -> Money | None:
    """The positive amount a credit note credits (its total, usually written negative)."""
    total = reader.amount(TOTAL_AMOUNT_PATH)
    # Read so that a malformed amount is reported, though the total is what counts.
    _same_currency(reader, INSTRUCTED_AMOUNT_PATH, total)
    if total is None:
        return None
    if total.is_zero():
        reader.violation(TOTAL_AMOUNT_PATH, "must not be zero on a credit note")
        return None
    return abs(total)


def _same_currency(reader: Reader, path: str, total: Money | None) -> Money | None:
    """The optional amount at ``path``, which must be in the total's currency."""
    value = reader.amount(path, required=False)
    if value is not None and total is not None and value.currency != total.currency:
        reader.violation(path, "has a different currency than the invoice total")
        return None
    return value
