"""What a parsed bank statement or PSP settlement report gives the payment service.

The parsers turn untrusted files into these values or raise ``StatementError`` with a
message a person can act on; a message quotes at most 40 characters of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

#: Statements are small; anything bigger is a mistake or an attack.
MAX_STATEMENT_BYTES: Final = 50 * 1024 * 1024
#: The most of a file's own text that an error message repeats.
MAX_EXCERPT: Final = 40


class StatementKind(StrEnum):
    """The file formats the payment service imports."""

    CAMT054 = "camt054"
    REFERENCE_PAYMENT_FILE = "reference_payment_file"
    PSP_SETTLEMENT_REPORT = "psp_settlement_report"


class StatementError(ValueError):
    """A file that cannot be imported; ``field`` locates the problem in the file and
    ``message`` (also the ``str``) says what is wrong, in full."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def excerpt(text: str) -> str:
    """``text`` cut to what an error message may repeat of a file."""
    return text if len(text) <= MAX_EXCERPT else text[:MAX_EXCERPT] + "…"


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One incoming bank payment (a credit) of a camt.054 or reference payment file.

    ``entry_key`` is unique per bank entry and the same whenever the file (or another file
    with the same entry) is imported again, so an import can be repeated safely.
    """

    entry_key: str
    reference: str
    amount_minor: int
    currency: str
    booking_date: date
    value_date: date | None
    payer_name: str
    archive_id: str


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One PSP transaction paid out in a settlement report."""

    transaction_id: str
    stamp: str
    reference: str
    amount_minor: int
    paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """A whole parsed file: bank payments (``entries``) or PSP settlements (``settlements``)."""

    kind: StatementKind
    statement_id: str
    entries: tuple[StatementEntry, ...]
    settlements: tuple[SettlementLine, ...]
    settled_at: datetime | None
    total_minor: int
    skipped_count: int
