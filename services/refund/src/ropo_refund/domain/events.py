"""Domain events of refund cases: what happened, recorded by the aggregate and written
to the outbox in the same transaction as the change (``ropo.refund.v1.*``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ropo_platform.money import Money


@dataclass(frozen=True, slots=True)
class RefundCaseOpened:
    refund_case_id: str
    origin: str  # RefundOrigin value
    invoice: str
    payment: str
    debtor_party: str
    refundable_amount: Money
    open_time: datetime


@dataclass(frozen=True, slots=True)
class RefundAccountReported:
    refund_case_id: str
    invoice: str
    reporter: str
    manual_review: bool
    report_time: datetime


@dataclass(frozen=True, slots=True)
class RefundPaid:
    refund_case_id: str
    invoice: str
    payout_batch_id: str
    amount: Money
    paid_time: datetime


DomainEvent = RefundCaseOpened | RefundAccountReported | RefundPaid
