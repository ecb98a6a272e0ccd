"""Integration events of PSP payments, written to the platform outbox.

Subjects ``ropo.payment.v1.payment_succeeded`` / ``payment_failed`` /
``payment_settled`` (stream ``ROPO_PAYMENT``), ``ce-subject`` the payment's resource
name. The payer appears only as ``persons/{key}``.
"""

from __future__ import annotations

from datetime import datetime

from google.protobuf import timestamp_pb2
from ropo.payment.v1 import events_pb2, payment_pb2
from ropo_platform.messaging import OutboxWriter
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.domain.payments import Payment, PaymentItem
from ropo_payment.service_layer.ports import PaymentEventOutbox

PAYMENT_SUCCEEDED = "ropo.payment.v1.payment_succeeded"
PAYMENT_FAILED = "ropo.payment.v1.payment_failed"
PAYMENT_SETTLED = "ropo.payment.v1.payment_settled"
#: ``ce-source`` of the events this service publishes.
EVENT_SOURCE = "/ropo/payment"
WRITER = OutboxWriter(EVENT_SOURCE)


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf ``Timestamp`` of an aware datetime."""
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(value)
    return message


def money(minor: int, currency: str) -> Money:
    """Integer minor units as ``Money``."""
    return Money.from_minor_units(minor, currency)


def item_to_proto(item: PaymentItem, currency: str) -> payment_pb2.PaymentItem:
    return payment_pb2.PaymentItem(
        invoice=item.invoice,
        amount=money_to_proto(money(item.amount_minor, currency)),
        reference=item.reference,
    )


class SqlPaymentEventOutbox(PaymentEventOutbox):
    def __init__(self, session: AsyncSession, writer: OutboxWriter = WRITER) -> None:
        self._session = session
        self._writer = writer

    def _items(self, payment: Payment) -> list[payment_pb2.PaymentItem]:
        return [item_to_proto(item, payment.currency) for item in payment.items]

    async def payment_succeeded(self, payment: Payment) -> None:
        assert payment.succeed_time is not None, "a succeeded payment has a succeed time"
        await self._writer.add(
            self._session,
            event_type=PAYMENT_SUCCEEDED,
            subject_name=payment.name,
            message=events_pb2.PaymentSucceeded(
                payment=payment.name,
                items=self._items(payment),
                amount=money_to_proto(money(payment.amount_minor, payment.currency)),
                payer=payment.payer,
                succeed_time=timestamp(payment.succeed_time),
            ),
            occurred_at=payment.succeed_time,
        )

    async def payment_failed(self, payment: Payment) -> None:
        fail_time = payment.fail_time or payment.update_time
        await self._writer.add(
            self._session,
            event_type=PAYMENT_FAILED,
            subject_name=payment.name,
            message=events_pb2.PaymentFailed(
                payment=payment.name,
                items=self._items(payment),
                payer=payment.payer,
                provider_status=payment.psp_status.value,
                fail_time=timestamp(fail_time),
            ),
            occurred_at=fail_time,
        )

    async def payment_settled(self, payment: Payment) -> None:
        assert payment.settle_time is not None, "a settled payment has a settle time"
        await self._writer.add(
            self._session,
            event_type=PAYMENT_SETTLED,
            subject_name=payment.name,
            message=events_pb2.PaymentSettled(
                payment=payment.name,
                items=self._items(payment),
                amount=money_to_proto(money(payment.amount_minor, payment.currency)),
                payer=payment.payer,
                settle_time=timestamp(payment.settle_time),
            ),
            occurred_at=payment.settle_time,
        )
