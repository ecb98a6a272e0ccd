"""Integration events of refund cases, written to the platform outbox.

Subjects ``ropo.refund.v1.refund_case_opened`` / ``refund_account_reported`` /
``refund_paid`` (stream ``ROPO_REFUND``), ``ce-subject`` the case's resource name.
No event carries an account number; people appear as ``persons/{key}`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from ropo.refund.v1 import events_pb2, refund_case_pb2
from ropo_platform.messaging import OutboxEvent, OutboxWriter
from ropo_platform.money_proto import money_to_proto
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.domain.events import (
    DomainEvent,
    RefundAccountReported,
    RefundCaseOpened,
    RefundPaid,
)
from ropo_refund.domain.payouts import PAYOUT_BATCHES
from ropo_refund.domain.refund_case import REFUND_CASES, RefundOrigin
from ropo_refund.service_layer.ports import RefundEventOutbox

REFUND_CASE_OPENED = "ropo.refund.v1.refund_case_opened"
REFUND_ACCOUNT_REPORTED = "ropo.refund.v1.refund_account_reported"
REFUND_PAID = "ropo.refund.v1.refund_paid"
#: ``ce-source`` of the events this service publishes.
EVENT_SOURCE = "/ropo/refund"
WRITER = OutboxWriter(EVENT_SOURCE)

ORIGINS = {
    RefundOrigin.OVERPAYMENT: refund_case_pb2.REFUND_ORIGIN_OVERPAYMENT,
    RefundOrigin.UNCLEAR_PAYMENT: refund_case_pb2.REFUND_ORIGIN_UNCLEAR_PAYMENT,
    RefundOrigin.CREDIT_NOTE: refund_case_pb2.REFUND_ORIGIN_CREDIT_NOTE,
}


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf ``Timestamp`` of an aware datetime."""
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(value)
    return message


def _message(event: DomainEvent) -> tuple[str, Message, datetime]:
    name = f"{REFUND_CASES}{event.refund_case_id}"
    if isinstance(event, RefundCaseOpened):
        return (
            REFUND_CASE_OPENED,
            events_pb2.RefundCaseOpened(
                refund_case=name,
                origin=ORIGINS[RefundOrigin(event.origin)],
                invoice=event.invoice,
                payment=event.payment,
                debtor_party=event.debtor_party,
                refundable_amount=money_to_proto(event.refundable_amount),
                open_time=timestamp(event.open_time),
            ),
            event.open_time,
        )
    if isinstance(event, RefundAccountReported):
        return (
            REFUND_ACCOUNT_REPORTED,
            events_pb2.RefundAccountReported(
                refund_case=name,
                invoice=event.invoice,
                reporter=event.reporter,
                manual_review=event.manual_review,
                report_time=timestamp(event.report_time),
            ),
            event.report_time,
        )
    if isinstance(event, RefundPaid):
        return (
            REFUND_PAID,
            events_pb2.RefundPaid(
                refund_case=name,
                invoice=event.invoice,
                payout_batch=f"{PAYOUT_BATCHES}{event.payout_batch_id}",
                amount=money_to_proto(event.amount),
                paid_time=timestamp(event.paid_time),
            ),
            event.paid_time,
        )
    raise TypeError(f"unknown refund event {type(event).__name__}")


class SqlRefundEventOutbox(RefundEventOutbox):
    def __init__(self, session: AsyncSession, writer: OutboxWriter = WRITER) -> None:
        self._session = session
        self._writer = writer

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        rows = []
        for event in events:
            event_type, message, occurred_at = _message(event)
            rows.append(
                OutboxEvent(
                    event_type,
                    f"{REFUND_CASES}{event.refund_case_id}",
                    message,
                    occurred_at,
                )
            )
        if rows:
            await self._writer.add_many(self._session, rows)
