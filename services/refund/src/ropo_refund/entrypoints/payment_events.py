"""The payment events that open refund cases.

Durable pull consumer ``refund-payment-events`` on stream ``ROPO_PAYMENT``, filtered to
``unclear_payment_received``: a bank payment no invoice could take is owed back to the
payer. The payer's name from the bank is all that is known of them; it is the case's
display name and what a reported account holder is compared to. Redelivery opens one
case (one per bank payment); a malformed or non-positive one is dead-lettered.
"""

from __future__ import annotations

from nats.aio.client import Client
from ropo.payment.v1 import events_pb2 as payment_events
from ropo_platform.db import Database
from ropo_platform.messaging import ConsumerSettings, Envelope, EventConsumer
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.unit_of_work import JoinedUnitOfWork
from ropo_refund.entrypoints.event_checks import BANK_PAYMENT, MAX_NAME, Problems
from ropo_refund.service_layer.opening import CaseOpener, UnclearPaymentReceived

PAYMENT_STREAM = "ROPO_PAYMENT"
PAYMENT_CONSUMER = "refund-payment-events"
UNCLEAR_PAYMENT_RECEIVED = "ropo.payment.v1.unclear_payment_received"


def payment_event_consumer(
    database: Database, nc: Client, opener: CaseOpener, settings: ConsumerSettings | None = None
) -> EventConsumer:
    """The consumer of payment events, with its handler registered."""
    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=PAYMENT_STREAM, durable=PAYMENT_CONSUMER),
    )

    async def on_unclear_payment(
        session: AsyncSession, event: payment_events.UnclearPaymentReceived, envelope: Envelope
    ) -> None:
        command = unclear_payment(event)
        async with JoinedUnitOfWork(session) as uow:
            await opener.open_case_from_unclear_payment(uow, command)

    consumer.on(UNCLEAR_PAYMENT_RECEIVED, payment_events.UnclearPaymentReceived, on_unclear_payment)
    return consumer


def unclear_payment(event: payment_events.UnclearPaymentReceived) -> UnclearPaymentReceived:
    """The command of an ``unclear_payment_received`` event; ``PermanentError`` when
    malformed."""
    problems = Problems("UnclearPaymentReceived")
    command = UnclearPaymentReceived(
        bank_payment=problems.match(BANK_PAYMENT, event.bank_payment, "bank_payment"),
        payer_name=problems.text(event.payer_name, "payer_name", MAX_NAME),
        amount=problems.amount(event.HasField("amount"), event.amount, "amount"),
    )
    problems.raise_if_any()
    return command
