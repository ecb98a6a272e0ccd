"""The worker against a real nats-server and a real local SMTP server: the refund
service's ``refund_case_opened`` puts a refund letter into the debtor's message
centre (electronic with a consent), and the worker's own e-mail dispatcher sends
the notification. Redelivery changes nothing; an unclear payment is skipped; an
unknown invoice is dead-lettered. The test plays the refund service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from google.type import money_pb2
from invoice_server_support import invoice_settings
from invoice_support import finvoice_xml
from mail_support import CapturedMail, SmtpServer, smtp_server
from nats.aio.client import Client
from ropo.invoice.v1 import letter_pb2
from ropo.refund.v1 import events_pb2 as refund_events
from ropo.refund.v1 import refund_case_pb2
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.domain.delivery import ConsentChannel, DeliveryType, EmailAddress, LetterChannel
from ropo_invoice.domain.party import Language
from ropo_invoice.entrypoints.proto_mapping import letter_to_proto
from ropo_invoice.entrypoints.refund_events import (
    REFUND_CASE_OPENED,
    REFUND_CONSUMER,
    REFUND_STREAM,
)
from ropo_invoice.entrypoints.worker import run_worker
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_invoice.service_layer.message_centre import ListLetters, UpdateLetterConsent
from ropo_invoice.service_layer.ports import LetterEntry, LetterFilter
from ropo_platform.messaging import connect_nats, ensure_stream
from ropo_platform.messaging.envelope import cloudevent_headers
from ropo_platform.testing import NatsServer, eventually

# Before the due date and outside the notification window: the worker's collection and
# notification runs leave the invoice alone, so the only e-mail is the refund letter's.
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)
OPENED = datetime(2026, 9, 5, 12, 30, tzinfo=UTC)


@dataclass
class Worker:
    app: InvoiceApp
    nc: Client
    smtp: SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest_asyncio.fixture
async def worker(
    migrated_url: str, nats_server: NatsServer, smtp: SmtpServer
) -> AsyncIterator[Worker]:
    settings = invoice_settings(
        migrated_url,
        nats_url=nats_server.url,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        email_interval=1,
    )
    app = bootstrap(settings, clock=lambda: NOW)
    nc = await connect_nats(nats_server.url, name="refund-test")
    await ensure_stream(nc.jetstream(), name=REFUND_STREAM, subjects=["ropo.refund.>"])
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app, stop=stop, signals=(), poll_interval=0.05))
    try:
        yield Worker(app, nc, smtp)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await nc.close()
        await app.close()


async def publish(nc: Client, event: refund_events.RefundCaseOpened) -> None:
    headers = cloudevent_headers(
        event_id=str(uuid.uuid4()),
        event_type=REFUND_CASE_OPENED,
        source="/ropo/refund",
        subject=event.refund_case,
        time=OPENED,
    )
    await nc.jetstream().publish(REFUND_CASE_OPENED, event.SerializeToString(), headers=headers)


def opened(
    invoice: str, party: str, case: str = "refundCases/case-123"
) -> refund_events.RefundCaseOpened:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(OPENED)
    return refund_events.RefundCaseOpened(
        refund_case=case,
        origin=refund_case_pb2.REFUND_ORIGIN_OVERPAYMENT,
        invoice=invoice,
        payment="bankPayments/b1",
        debtor_party=party,
        refundable_amount=money_pb2.Money(currency_code="EUR", units=10, nanos=500_000_000),
        open_time=stamp,
    )


async def letters_of(app: InvoiceApp, party: str) -> list[LetterEntry]:
    page = await app.message_centre.list_letters(ListLetters(LetterFilter(party)))
    return list(page.letters)


async def dead_letters(app: InvoiceApp) -> list[str]:
    async with app.database.session() as session:
        result = await session.execute(
            sa.text("SELECT error FROM dead_letter WHERE consumer = :c"), {"c": REFUND_CONSUMER}
        )
        return [str(error) for error in result.scalars()]


async def test_a_refund_letter_reaches_the_message_centre_and_is_told_by_email(
    worker: Worker,
) -> None:
    app = worker.app
    invoice = (await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml()))).invoice
    party = invoice.debtor.party
    await app.message_centre.update_consent(
        UpdateLetterConsent(
            party, True, EmailAddress.parse("matti@example.fi"), ConsentChannel.MYROPO, party
        )
    )

    await publish(worker.nc, opened(invoice.resource_name, party))
    newest = await eventually(
        lambda: letters_of(app, party), lambda found: len(found) == 2, within=20
    )
    refund = newest[0].delivery
    assert refund.type is DeliveryType.REFUND_LETTER
    assert refund.channel is LetterChannel.ELECTRONIC
    assert refund.refund_case == "case-123" and refund.letter_id == "case-123"
    assert refund.created_at == OPENED and refund.due_date is None
    shown = letter_to_proto(newest[0], Language.FI)
    assert shown.type == letter_pb2.LETTER_TYPE_REFUND_LETTER
    assert shown.title == "Palautuskirje"
    assert shown.refund_case == "refundCases/case-123"
    assert shown.name == f"{invoice.resource_name}/letters/case-123"

    # The worker's dispatcher sends the notification (every second in this test).
    mails = await eventually(lambda: _received(worker), lambda found: len(found) == 1, within=20)
    assert mails[0].recipients == ["matti@example.fi"]
    assert "Palautuskirje" in mails[0].text and "10,50" not in mails[0].text

    # A redelivered event, an unclear payment (no invoice) and an unknown owner: no change.
    await publish(worker.nc, opened(invoice.resource_name, party))
    await publish(worker.nc, opened("", "", "refundCases/case-456"))
    await publish(worker.nc, opened(invoice.resource_name, "", "refundCases/case-789"))
    await asyncio.sleep(2)
    assert len(await letters_of(app, party)) == 2
    assert len(worker.smtp.received) == 1
    assert await dead_letters(app) == []


async def _received(worker: Worker) -> list[CapturedMail]:
    return list(worker.smtp.received)


async def test_an_unknown_invoice_is_dead_lettered(worker: Worker) -> None:
    await publish(worker.nc, opened("invoices/unknown-1", "persons/" + "a" * 32))
    await publish(worker.nc, opened("invoices/unknown-2", "persons/not-a-key", "refundCases/c2"))
    errors = await eventually(
        lambda: dead_letters(worker.app), lambda found: len(found) == 2, within=20
    )
    assert "InvoiceNotFound" in sorted(errors)[0]
    assert "bad debtor_party" in sorted(errors)[1] and "not-a-key" not in sorted(errors)[1]
