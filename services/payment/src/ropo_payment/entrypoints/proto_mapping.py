"""Domain objects → ``ropo.payment.v1`` messages."""

from __future__ import annotations

from ropo.payment.v1 import payment_pb2
from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_platform.money_proto import money_to_proto

from ropo_payment.adapters.outbox import item_to_proto, money, timestamp
from ropo_payment.domain.payments import Payment, PaymentState

STATES = {
    PaymentState.PENDING: payment_pb2.Payment.STATE_PENDING,
    PaymentState.SUCCEEDED: payment_pb2.Payment.STATE_SUCCEEDED,
    PaymentState.SETTLED: payment_pb2.Payment.STATE_SETTLED,
    PaymentState.FAILED: payment_pb2.Payment.STATE_FAILED,
}


def payment_to_proto(payment: Payment) -> payment_pb2.Payment:
    message = payment_pb2.Payment(
        name=payment.name,
        state=STATES[payment.state],
        items=[item_to_proto(item, payment.currency) for item in payment.items],
        amount=money_to_proto(money(payment.amount_minor, payment.currency)),
        payer=payment.payer,
        payment_page_url=payment.payment_page_url,
        provider_transaction_id=payment.provider_transaction_id,
        provider_method=payment.provider_method,
        create_time=timestamp(payment.create_time),
        update_time=timestamp(payment.update_time),
    )
    if payment.succeed_time is not None:
        message.succeed_time.CopyFrom(timestamp(payment.succeed_time))
    if payment.settle_time is not None:
        message.settle_time.CopyFrom(timestamp(payment.settle_time))
    return message


def create_response_bytes(payment: Payment) -> bytes:
    """The serialized CreatePaymentResponse (stored for idempotent replay)."""
    return pb.CreatePaymentResponse(payment=payment_to_proto(payment)).SerializeToString()
