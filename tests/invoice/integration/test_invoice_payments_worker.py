"""The worker against a real nats-server: payment events change invoices.

The test plays the payment service: it provisions ``ROPO_PAYMENT`` and publishes
the events with the CloudEvents headers the payment relay writes. The invoice's
status, ledger, timeline and its own published events are read back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from google.type import date_pb2, money_pb2
from invoice_server_support import invoice_settings
from invoice_support import finvoice_xml
from nats.aio.client import Client
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.payment.v1 import events_pb2 as payment_events
from ropo.payment.v1 import payment_pb2
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.stage import Stage
from ropo_invoice.entrypoints.events import (
    BANK_PAYMENT_RECEIVED,
    PAYMENT_SETTLED,
    PAYMENT_STREAM,
    PAYMENT_SUCCEEDED,
)
from ropo_invoice.entrypoints.worker import run_worker
from ropo_invoice.service_layer.handlers import ImportFinvoice, ListInvoiceEvents
from ropo_invoice.service_layer.ports import TimelineType
from ropo_platform.messaging import connect_nats, ensure_stream
from ropo_platform.messaging.envelope import cloudevent_headers
from ropo_platform.testing import NatsServer, eventually

NOW = datetime(2026, 9, 10, 12, 0, tzinfo=UTC)


def _money(euros: int, cents: int = 0) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=euros, nanos=cents * 10_000_000)


def _stamp() -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(NOW)
    return stamp


@pytest_asyncio.fixture
async def worker(
    migrated_url: str, nats_server: NatsServer
) -> AsyncIterator[tuple[InvoiceApp, Client]]:
    # A clock before the due date: the collection run has nothing to do.
    app = bootstrap(invoice_settings(migrated_url, nats_url=nats_server.url), clock=lambda: NOW)
    nc = await connect_nats(nats_server.url, name="payment-test")
    await ensure_stream(nc.jetstream(), name=PAYMENT_STREAM, subjects=["ropo.payment.>"])
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app, stop=stop, signals=(), poll_interval=0.05))
    try:
        yield app, nc
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await nc.close()
        await app.close()


async def publish(nc: Client, event_type: str, message: Message, subject: str) -> None:
    headers = cloudevent_headers(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        source="/ropo/payment",
        subject=subject,
        time=NOW,
    )
    await nc.jetstream().publish(event_type, message.SerializeToString(), headers=headers)


async def current(app: InvoiceApp, invoice_id: str) -> Invoice:
    return await app.handlers.get_invoice(invoice_id)


async def test_confirmation_then_settlement_then_overpayment(
    worker: tuple[InvoiceApp, Client],
) -> None:
    app, nc = worker
    imported = await app.handlers.import_finvoice(
        ImportFinvoice(finvoice_xml(number="PAY-1", total="124,00", instructed="124,00"))
    )
    invoice_id = imported.invoice.id
    item = payment_pb2.PaymentItem(invoice=f"invoices/{invoice_id}", amount=_money(124))

    await publish(
        nc,
        PAYMENT_SUCCEEDED,
        payment_events.PaymentSucceeded(
            payment="payments/p1", items=[item], amount=_money(124), succeed_time=_stamp()
        ),
        "payments/p1",
    )
    confirmed = await eventually(
        lambda: current(app, invoice_id), lambda invoice: invoice.paid_in_myropo, within=15
    )
    assert confirmed.display_status(confirmed.debtor.language) == "Maksettu MyRopossa"
    assert confirmed.ledger.open_amount.minor_units == 12400  # the money is not here yet

    await publish(
        nc,
        PAYMENT_SETTLED,
        payment_events.PaymentSettled(
            payment="payments/p1", items=[item], amount=_money(124), settle_time=_stamp()
        ),
        "payments/p1",
    )
    paid = await eventually(
        lambda: current(app, invoice_id), lambda invoice: invoice.stage is Stage.PAID, within=15
    )
    assert paid.ledger.open_amount.is_zero()
    assert paid.display_status(paid.debtor.language) == "Maksettu"

    # The same bank payment twice (a redelivered file): counted once, all of it excess.
    bank = payment_events.BankPaymentReceived(
        bank_payment="bankPayments/b1",
        invoice=f"invoices/{invoice_id}",
        reference="1232",
        amount=_money(10, 50),
        booking_date=date_pb2.Date(year=2026, month=9, day=11),
        receive_time=_stamp(),
    )
    await publish(nc, BANK_PAYMENT_RECEIVED, bank, "bankPayments/b1")
    await publish(nc, BANK_PAYMENT_RECEIVED, bank, "bankPayments/b1")

    async def overpayments() -> list[invoice_events.OverpaymentDetected]:
        async with app.database.session() as session:
            rows = await session.execute(
                sa.text("SELECT payload FROM outbox WHERE event_type = :t"),
                {"t": "ropo.invoice.v1.overpayment_detected"},
            )
            return [invoice_events.OverpaymentDetected.FromString(row[0]) for row in rows]

    (overpaid,) = await eventually(overpayments, lambda found: len(found) == 1, within=15)
    await asyncio.sleep(0.5)  # the duplicate has had time to arrive
    assert len(await overpayments()) == 1
    assert (overpaid.overpaid_amount.units, overpaid.overpaid_amount.nanos) == (10, 500_000_000)
    assert overpaid.payment == "bankPayments/b1"
    assert overpaid.debtor_party.startswith("persons/")

    timeline = await app.handlers.list_invoice_events(ListInvoiceEvents(invoice_id))
    types = [entry.type for entry in timeline.entries]
    assert types[:2] == [TimelineType.IMPORTED, TimelineType.PAYMENT_CONFIRMED]
    assert TimelineType.PAID in types and TimelineType.OVERPAID in types
