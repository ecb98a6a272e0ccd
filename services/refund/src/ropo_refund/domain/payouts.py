"""Payout batches: approved refunds put into one credit-transfer file (pain.001).

Each refund in a batch is an item with a snapshot of what was paid where (the account
may change later; the file may not). An item is identified to the bank by its
end-to-end id ``{case number}-{attempt}``, where the attempt counts the earlier
payouts of the case the bank rejected, so a retried refund is a new transfer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ropo_platform.money import Money

PAYOUT_BATCHES = "payoutBatches/"
MESSAGE_ID_PREFIX = "ROPO"
#: Remittance text of a refund transfer.
REMITTANCE_PREFIX = "Palautus"
CURRENCY = "EUR"


class BatchState(StrEnum):
    EXPORTED = "exported"
    COMPLETED = "completed"


class ItemOutcome(StrEnum):
    PAID = "paid"
    REJECTED = "rejected"


def message_id_of(batch_id: str) -> str:
    """``ROPO`` + 28 hex characters of the batch's UUID (a pain.001 MsgId is ≤ 35)."""
    return MESSAGE_ID_PREFIX + uuid.UUID(batch_id).hex[:28].upper()


def end_to_end_id(case_number: str, attempt: int) -> str:
    return f"{case_number}-{attempt}"


def remittance_of(case_number: str) -> str:
    return f"{REMITTANCE_PREFIX} {case_number}"


@dataclass(slots=True)
class PayoutItem:
    """One refund in a batch, as written in the file."""

    refund_case_id: str
    payout_attempt: int
    end_to_end_id: str
    amount: Money
    creditor_name: str
    creditor_iban: str
    creditor_bic: str
    remittance: str
    outcome: ItemOutcome | None = None
    reason: str = ""


@dataclass(slots=True)
class PayoutBatch:
    id: str
    message_id: str
    execution_date: date
    create_time: datetime
    exporter: str
    content: bytes
    items: list[PayoutItem] = field(default_factory=list)
    state: BatchState = BatchState.EXPORTED
    status_time: datetime | None = None

    @property
    def name(self) -> str:
        return f"{PAYOUT_BATCHES}{self.id}"

    @property
    def total_amount(self) -> Money:
        return Money.sum((item.amount for item in self.items), CURRENCY)

    @property
    def paid_count(self) -> int:
        return sum(1 for item in self.items if item.outcome is ItemOutcome.PAID)

    @property
    def failed_count(self) -> int:
        return sum(1 for item in self.items if item.outcome is ItemOutcome.REJECTED)

    @property
    def filename(self) -> str:
        return f"{self.message_id}.xml"

    def item_for(self, end_to_end: str) -> PayoutItem | None:
        return next((item for item in self.items if item.end_to_end_id == end_to_end), None)

    def record_status(self, at: datetime) -> None:
        """A status report was imported; the batch is done once every item has an outcome."""
        self.status_time = at
        if all(item.outcome is not None for item in self.items):
            self.state = BatchState.COMPLETED
