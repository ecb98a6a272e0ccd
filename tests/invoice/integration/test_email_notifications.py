"""Electronic letters end to end on a real database, a real gRPC server and a real local
SMTP server: the consent makes the collection run's reminder electronic, one e-mail
is sent (telling nothing but the letter's title and where to read it), reading it
marks it read, withdrawing the consent brings paper back; due-date and instalment
notifications go once each."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.type import money_pb2
from invoice_server_support import RunningServer, invoice_settings, start_server
from invoice_support import HETU_MATTI, finvoice_xml
from mail_support import SmtpServer, smtp_server
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, letter_pb2
from ropo.invoice.v1 import invoice_service_pb2_grpc as pb_grpc
from ropo_invoice.adapters.orm import email_outbox
from ropo_invoice.bootstrap import InvoiceApp, bootstrap

pb = invoice_service_pb2
PORTAL = "https://myropo.example.fi"
STAFF = "staffUsers/agent-1"


class Clock:
    """A settable UTC clock shared by the service and the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    running: RunningServer
    smtp: SmtpServer
    clock: Clock

    @property
    def app(self) -> InvoiceApp:
        return self.running.app

    @property
    def stub(self) -> pb_grpc.InvoiceServiceAsyncStub:
        return self.running.stub


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest_asyncio.fixture
async def service(migrated_url: str, smtp: SmtpServer) -> AsyncIterator[Service]:
    clock = Clock()
    settings = invoice_settings(
        migrated_url,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_from="MyRopo <viestit@myropo.example.fi>",
        portal_url=PORTAL,
        notify_days_before=3,
    )
    app = bootstrap(settings, clock=clock)
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield Service(
            RunningServer(server, channel, pb_grpc.InvoiceServiceStub(channel), app), smtp, clock
        )
    finally:
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()


async def import_invoice(service: Service, number: str = "1001") -> invoice_pb2.Invoice:
    response = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(number=number))
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def update_consent(
    service: Service, party: str, electronic: bool, *, staff: bool = False
) -> letter_pb2.LetterConsent:
    response = await service.stub.UpdateLetterConsent(
        pb.UpdateLetterConsentRequest(
            request_id=str(uuid.uuid4()),
            name=f"{party}/letterConsent",
            electronic=electronic,
            notification_email="matti.meikalainen@example.fi" if electronic else "",
            channel="customer_service" if staff else "myropo",
            actor=STAFF if staff else party,
        )
    )
    consent: letter_pb2.LetterConsent = response.letter_consent
    return consent


async def letters(
    service: Service, party: str, *, unread_only: bool = False
) -> list[letter_pb2.Letter]:
    response = await service.stub.ListLetters(
        pb.ListLettersRequest(recipient_party=party, unread_only=unread_only)
    )
    return list(response.letters)


async def test_consent_reminder_email_read_and_withdrawal(service: Service) -> None:
    invoice = await import_invoice(service)
    party = invoice.debtor.party
    consent = await update_consent(service, party, True)
    assert consent.electronic and consent.notification_email == "matti.meikalainen@example.fi"

    service.clock.now = datetime(2026, 9, 30, 6, 0, tzinfo=UTC)  # day 15 after the due date
    assert (await service.app.collection.run_once()).letters == 1

    reminder, first = await letters(service, party)
    assert (reminder.type, reminder.title) == (letter_pb2.LETTER_TYPE_REMINDER, "Maksumuistutus")
    assert reminder.channel == letter_pb2.LETTER_CHANNEL_ELECTRONIC
    assert not reminder.read and not reminder.HasField("read_time")
    assert reminder.invoice_number == "1001" and reminder.creditor_display_name == "Testi-yritys Oy"
    assert reminder.HasField("due_date") and reminder.recipient_party == party
    # The invoice itself came before the consent: on paper.
    assert (first.type, first.channel) == (
        letter_pb2.LETTER_TYPE_INVOICE,
        letter_pb2.LETTER_CHANNEL_PAPER,
    )

    sent = await service.app.email_dispatcher().dispatch_once()
    assert sent.sent == 1
    (mail,) = service.smtp.received
    assert mail.recipients == ["matti.meikalainen@example.fi"]
    assert mail.message["To"] == "matti.meikalainen@example.fi"
    assert mail.message["From"] == "MyRopo <viestit@myropo.example.fi>"
    assert mail.subject == "Uusi kirje MyRopossa"
    assert "Maksumuistutus" in mail.text and f"{PORTAL}/viestit" in mail.text
    for secret in ("124", "129", "5,00", "5.00", HETU_MATTI, "010190", "1232", invoice.case_number):
        assert secret not in mail.text, secret
    assert (await service.app.email_dispatcher().dispatch_once()).sent == 0  # once only
    async with service.app.database.session() as session:
        addresses = (await session.execute(sa.select(email_outbox.c.to_address))).scalars().all()
    assert addresses == [""]  # forgotten once sent

    service.clock.now = datetime(2026, 9, 30, 9, 15, tzinfo=UTC)
    read = (
        await service.stub.MarkLetterRead(
            pb.MarkLetterReadRequest(request_id=str(uuid.uuid4()), name=reminder.name, actor=party)
        )
    ).letter
    assert read.read and read.read_time.ToDatetime(tzinfo=UTC) == service.clock.now
    assert [letter.name for letter in await letters(service, party, unread_only=True)] == [
        first.name
    ]

    await update_consent(service, party, False, staff=True)
    service.clock.now = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    assert (await service.app.collection.run_once()).letters == 1
    newest = (await letters(service, party))[0]
    assert newest.type == letter_pb2.LETTER_TYPE_PAYMENT_DEMAND
    assert newest.channel == letter_pb2.LETTER_CHANNEL_PAPER
    assert (await service.app.email_dispatcher().dispatch_once()).sent == 0
    assert len(service.smtp.received) == 1

    history = (
        await service.stub.GetLetterConsent(
            pb.GetLetterConsentRequest(name=f"{party}/letterConsent")
        )
    ).letter_consent
    assert [(c.electronic, c.channel, c.actor) for c in history.changes] == [
        (True, "myropo", party),
        (False, "customer_service", STAFF),
    ]
    assert not history.electronic and history.notification_email == ""


def eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


async def test_due_date_and_instalment_notifications_go_once(service: Service) -> None:
    due = await import_invoice(service, "DUE-1")  # due 2026-09-15
    party = due.debtor.party
    await update_consent(service, party, True)

    service.clock.now = datetime(2026, 9, 11, 6, 0, tzinfo=UTC)  # 4 days before: too early
    assert (await service.app.notifications.run_once()).due_dates == 0
    service.clock.now = datetime(2026, 9, 12, 6, 0, tzinfo=UTC)
    assert (await service.app.notifications.run_once()).due_dates == 1
    assert (await service.app.notifications.run_once()).due_dates == 0
    service.clock.now = datetime(2026, 9, 13, 6, 0, tzinfo=UTC)
    assert (await service.app.notifications.run_once()).due_dates == 0

    # A plan: its instalments are notified, not the invoice's own (past) due date.
    service.clock.now = datetime(2026, 9, 20, 8, 0, tzinfo=UTC)
    planned = await import_invoice(service, "PLAN-1")
    plan = (
        await service.stub.CreatePaymentPlan(
            pb.CreatePaymentPlanRequest(
                request_id=str(uuid.uuid4()),
                invoice=planned.name,
                instalment_count=3,
                accepted_fee=eur(20),
                actor=party,
            )
        )
    ).payment_plan
    first_due = plan.instalments[0].due_date
    first = date(first_due.year, first_due.month, first_due.day)
    service.clock.now = datetime(first.year, first.month, first.day - 2, 6, 0, tzinfo=UTC)
    summary = await service.app.notifications.run_once()
    assert (summary.due_dates, summary.instalments) == (0, 1)
    assert (await service.app.notifications.run_once()).instalments == 0

    assert (await service.app.email_dispatcher().dispatch_once()).sent == 4
    subjects = sorted(mail.subject for mail in service.smtp.received)
    assert subjects == [
        "Laskusi eräpäivä lähestyy",
        "Maksusuunnitelmasi erä erääntyy pian",
        # The second invoice and the plan's confirmation letter, both electronic now.
        "Uusi kirje MyRopossa",
        "Uusi kirje MyRopossa",
    ]
    due_mail = next(m for m in service.smtp.received if m.subject.startswith("Laskusi"))
    assert "15.9.2026" in due_mail.text and PORTAL in due_mail.text
    for mail in service.smtp.received:
        assert "124" not in mail.text and "48" not in mail.text and "20,00" not in mail.text


async def test_no_notification_without_a_consent(service: Service) -> None:
    await import_invoice(service)
    service.clock.now = datetime(2026, 9, 13, 6, 0, tzinfo=UTC)
    summary = await service.app.notifications.run_once()
    assert (summary.due_dates, summary.instalments) == (0, 0)
