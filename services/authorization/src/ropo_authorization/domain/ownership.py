"""The debtor ownership read model: which party owes which invoice.

Learnt from ``ropo.invoice.v1.invoice_registered``. The invoice service is the
source of truth; this is a local copy so that access checks never need a call
to another service (DESIGN §3).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class InvoiceOwnership:
    """One invoice and its debtor, as registered."""

    invoice: str  # invoices/{invoice}
    creditor: str  # creditors/{creditor}
    debtor: str  # persons/{key} or organizations/{business_id}
    register_time: datetime
    # Paid, credited or cancelled: per-invoice authorizations ended and no new ones are
    # given. The debtor and staff still see the invoice (archive).
    closed: bool = False
    closed_time: datetime | None = None


class RecordOutcome(enum.Enum):
    """What recording a registration did to the read model."""

    RECORDED = "recorded"
    ALREADY_KNOWN = "already_known"
    CONFLICTING = "conflicting"


def compare_registration(
    existing: InvoiceOwnership | None, incoming: InvoiceOwnership
) -> RecordOutcome:
    """Decide what a (possibly repeated) registration means.

    An invoice is registered once; the same facts again are a harmless repeat
    (re-delivery, or the producer re-publishing under a new event id). Different
    facts for a known invoice cannot come from a correct producer: the first
    registration stands and the caller reports the conflict, because silently
    moving an invoice to another debtor would hand it to a stranger.
    """
    if existing is None:
        return RecordOutcome.RECORDED
    if (existing.debtor, existing.creditor) == (incoming.debtor, incoming.creditor):
        return RecordOutcome.ALREADY_KNOWN
    return RecordOutcome.CONFLICTING
