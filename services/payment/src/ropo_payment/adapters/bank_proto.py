"""Bank payments as protobuf values: the API message and the two integration events.

Shared by the gRPC edge (``entrypoints/bank_rpc.py``) and the outbox
(``adapters/bank_repository.py``) so that both say the same thing.
"""

from __future__ import annotations

from datetime import date, datetime

from google.protobuf import timestamp_pb2
from google.type import date_pb2, money_pb2
from ropo.payment.v1 import bank_payment_pb2, events_pb2
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto

from ropo_payment.domain.bank_payments import BankPayment, BankPaymentState
from ropo_payment.domain.references import UnclearReason

STATES = {
    BankPaymentState.MATCHED: bank_payment_pb2.BankPayment.STATE_MATCHED,
    BankPaymentState.UNCLEAR: bank_payment_pb2.BankPayment.STATE_UNCLEAR,
}
STATES_FROM_PROTO = {value: key for key, value in STATES.items()}
UNCLEAR_REASONS = {
    UnclearReason.UNKNOWN_REFERENCE: bank_payment_pb2.UNCLEAR_REASON_UNKNOWN_REFERENCE,
    UnclearReason.INVALID_REFERENCE: bank_payment_pb2.UNCLEAR_REASON_INVALID_REFERENCE,
    UnclearReason.MISSING_REFERENCE: bank_payment_pb2.UNCLEAR_REASON_MISSING_REFERENCE,
}


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def proto_date(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def money(amount_minor: int, currency: str) -> money_pb2.Money:
    """Exact cents as ``google.type.Money``."""
    return money_to_proto(Money.from_minor_units(amount_minor, currency))


def bank_payment_to_proto(payment: BankPayment) -> bank_payment_pb2.BankPayment:
    """The API resource ``ropo.payment.v1.BankPayment``."""
    message = bank_payment_pb2.BankPayment(
        name=payment.name,
        state=STATES[payment.state],
        reference=payment.reference,
        amount=money(payment.amount_minor, payment.currency),
        booking_date=proto_date(payment.booking_date),
        payer_name=payment.payer_name,
        archive_id=payment.archive_id,
        invoice=payment.invoice_name,
        bank_statement=payment.statement_name,
        create_time=timestamp(payment.create_time),
    )
    if payment.value_date is not None:
        message.value_date.CopyFrom(proto_date(payment.value_date))
    if payment.unclear_reason is not None:
        message.unclear_reason = UNCLEAR_REASONS[payment.unclear_reason]
    return message


def received_event(payment: BankPayment) -> events_pb2.BankPaymentReceived:
    """``bank_payment_received`` of a matched payment."""
    return events_pb2.BankPaymentReceived(
        bank_payment=payment.name,
        invoice=payment.invoice_name,
        reference=payment.reference,
        amount=money(payment.amount_minor, payment.currency),
        booking_date=proto_date(payment.booking_date),
        receive_time=timestamp(payment.create_time),
    )


def unclear_event(payment: BankPayment) -> events_pb2.UnclearPaymentReceived:
    """``unclear_payment_received`` of a payment no invoice was found for."""
    assert payment.unclear_reason is not None, "an unclear payment has a reason"
    return events_pb2.UnclearPaymentReceived(
        bank_payment=payment.name,
        reference=payment.reference,
        amount=money(payment.amount_minor, payment.currency),
        booking_date=proto_date(payment.booking_date),
        payer_name=payment.payer_name,
        unclear_reason=UNCLEAR_REASONS[payment.unclear_reason],
        receive_time=timestamp(payment.create_time),
    )
