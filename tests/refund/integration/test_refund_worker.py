"""The worker role wired for real (nats-server, SQLite/PostgreSQL): its consumers open
refund cases from invoice and payment events, once per source however often the event
comes, and its outbox relay publishes ``refund_case_opened`` to ``ROPO_REFUND``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from google.protobuf import message as protobuf_message
from nats.aio.client import Client
from nats.js import JetStreamContext
from refund_support import (
    ALICE,
    RunningServer,
    count_rows,
    eur,
    eur_proto,
    refund_settings,
    start_server,
    verify,
)
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.payment.v1 import events_pb2 as payment_events
from ropo.refund.v1 import events_pb2, refund_case_pb2, refund_service_pb2_grpc
from ropo_platform.messaging import ConsumerSettings, connect_nats, ensure_stream
from ropo_platform.messaging.envelope import cloudevent_headers
from ropo_platform.testing import NatsServer, eventually
from ropo_refund.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_refund.bootstrap import ConsumerOverrides, RefundApp, bootstrap
from ropo_refund.domain.refund_case import RefundCase
from ropo_refund.entrypoints.invoice_events import (
    CREDIT_NOTE_REFUND_DUE,
    INVOICE_CONSUMER,
    INVOICE_STREAM,
    OVERPAYMENT_DETECTED,
)
from ropo_refund.entrypoints.payment_events import (
    PAYMENT_CONSUMER,
    PAYMENT_STREAM,
    UNCLEAR_PAYMENT_RECEIVED,
)
from ropo_refund.entrypoints.worker import run_worker

pytestmark = pytest.mark.postgres


@dataclass
class Worker:
    app: RefundApp
    js: JetStreamContext
    nc: Client


@pytest_asyncio.fixture
async def worker(migrated_url: str, nats_server: NatsServer) -> AsyncIterator[Worker]:
    """The refund worker running, with the invoice and payment streams provisioned."""
    app = bootstrap(refund_settings(migrated_url, nats_url=nats_server.url))
    nc = await connect_nats(nats_server.url, name="test-producers")
    js = nc.jetstream()
    await ensure_stream(js, name=INVOICE_STREAM, subjects=["ropo.invoice.>"])
    await ensure_stream(js, name=PAYMENT_STREAM, subjects=["ropo.payment.>"])
    overrides = ConsumerOverrides(
        invoice=ConsumerSettings(
            stream=INVOICE_STREAM, durable=INVOICE_CONSUMER, fetch_timeout=0.2
        ),
        payment=ConsumerSettings(
            stream=PAYMENT_STREAM, durable=PAYMENT_CONSUMER, fetch_timeout=0.2
        ),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app, stop=stop, signals=(), consumer_overrides=overrides))
    try:
        yield Worker(app, js, nc)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await nc.close()
        await app.close()


async def publish(
    js: JetStreamContext, event_type: str, subject: str, message: protobuf_message.Message
) -> None:
    """One event as its producer's relay would publish it (a new event id each time)."""
    event_id = str(uuid.uuid4())
    headers = cloudevent_headers(
        event_id=event_id,
        event_type=event_type,
        source="/ropo/" + event_type.split(".")[1],
        subject=subject,
        time=datetime.now(UTC),
    )
    await js.publish(event_type, message.SerializeToString(), headers=headers)


def overpayment(amount: str = "25.00") -> invoice_events.OverpaymentDetected:
    return invoice_events.OverpaymentDetected(
        invoice="invoices/inv-7",
        creditor="creditors/testi-yritys",
        debtor_party=ALICE,
        debtor_display_name="Matti Meikäläinen",
        language_code="en",
        overpaid_amount=eur_proto(amount),
        payment="payments/pay-7",
        case_number="12345",
    )


async def case_of(app: RefundApp, source_key: str) -> RefundCase | None:
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        return await uow.cases.get_by_source(source_key)


async def dead_letters(app: RefundApp) -> int:
    return await count_rows(app.database, "SELECT count(*) FROM dead_letter")


async def test_an_overpayment_event_opens_one_case_however_often_it_comes(
    worker: Worker,
) -> None:
    opened = await worker.nc.subscribe("ropo.refund.v1.refund_case_opened")
    for _ in range(3):
        await publish(worker.js, OVERPAYMENT_DETECTED, "invoices/inv-7", overpayment())
    key = "overpayment:invoices/inv-7:payments/pay-7"
    case = await eventually(lambda: case_of(worker.app, key), lambda c: c is not None, within=15)
    assert case is not None

    async def applied() -> int:
        return await count_rows(
            worker.app.database,
            "SELECT count(*) FROM inbox WHERE consumer = :c",
            c=INVOICE_CONSUMER,
        )

    await eventually(applied, lambda n: n == 3, within=15)
    assert await count_rows(worker.app.database, "SELECT count(*) FROM refund_cases") == 1
    message = await opened.next_msg(timeout=15)
    event = events_pb2.RefundCaseOpened.FromString(message.data)
    assert event.refund_case == f"refundCases/{case.id}"
    assert event.origin == refund_case_pb2.REFUND_ORIGIN_OVERPAYMENT
    assert (event.invoice, event.payment, event.debtor_party) == (
        "invoices/inv-7",
        "payments/pay-7",
        ALICE,
    )
    assert (case.language, case.handling_fee, case.payout_amount) == (
        "en",
        eur("5.00"),
        eur("20.00"),
    )
    with pytest.raises(TimeoutError):
        await opened.next_msg(timeout=0.5)

    # The person can take it from here: the wizard works on the case the event opened.
    server, channel = await start_server(worker.app)
    try:
        stub = refund_service_pb2_grpc.RefundServiceStub(channel)
        running = RunningServer(server, channel, stub, worker.app)
        verified = await running.stub.VerifyRefundCase(verify(case))
        assert verified.refund_case.name == f"refundCases/{case.id}"
    finally:
        await channel.close()
        await server.stop(grace=0.5)


async def test_unclear_payments_and_credit_notes_open_cases(worker: Worker) -> None:
    await publish(
        worker.js,
        UNCLEAR_PAYMENT_RECEIVED,
        "bankPayments/bp-1",
        payment_events.UnclearPaymentReceived(
            bank_payment="bankPayments/bp-1", payer_name="Maija Maksaja", amount=eur_proto("40.00")
        ),
    )
    await publish(
        worker.js,
        CREDIT_NOTE_REFUND_DUE,
        "invoices/inv-8",
        invoice_events.CreditNoteRefundDue(
            invoice="invoices/inv-8",
            debtor_party=ALICE,
            debtor_display_name="Matti Meikäläinen",
            language_code="sv",
            credit_note_number="HYV-1",
            refund_amount=eur_proto("15.00"),
        ),
    )
    unclear = await eventually(
        lambda: case_of(worker.app, "unclear:bankPayments/bp-1"), lambda c: c is not None, within=15
    )
    credit = await eventually(
        lambda: case_of(worker.app, "credit_note:invoices/inv-8:HYV-1"),
        lambda c: c is not None,
        within=15,
    )
    assert unclear is not None and credit is not None
    assert (unclear.debtor_display_name, unclear.debtor_party, unclear.language) == (
        "Maija Maksaja",
        "",
        "fi",
    )
    assert (credit.handling_fee, credit.language) == (eur("0.00"), "sv")


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("0.00", id="zero"),
        pytest.param("-5.00", id="negative"),
        pytest.param("usd", id="not-euro"),
    ],
)
async def test_a_non_positive_or_foreign_amount_is_dead_lettered(
    worker: Worker, amount: str
) -> None:
    event = overpayment()
    if amount == "usd":
        event.overpaid_amount.currency_code = "USD"
    else:
        event.overpaid_amount.CopyFrom(eur_proto(amount))
    await publish(worker.js, OVERPAYMENT_DETECTED, "invoices/inv-7", event)
    await eventually(lambda: dead_letters(worker.app), lambda n: n == 1, within=15)
    assert await count_rows(worker.app.database, "SELECT count(*) FROM refund_cases") == 0
