"""The e-mail dispatcher (with a fake mailer) and the notifications run, on fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from invoice_fakes import Store, fake_uow_factory
from prometheus_client import REGISTRY
from ropo_invoice.domain.delivery import DeliveryType
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.email_dispatch import (
    EmailDispatcher,
    EmailMessage,
    MailerError,
    retry_delay,
)
from ropo_invoice.service_layer.notifications import NotificationRun, new_letter_email
from ropo_invoice.service_layer.ports import NotificationCandidate, NotificationKind

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PORTAL = "https://myropo.example.fi"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class FakeMailer:
    def __init__(self, *failures: MailerError) -> None:
        self.sent: list[EmailMessage] = []
        self.failures = list(failures)

    async def send(self, message: EmailMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def queue_email(store: Store, created_at: datetime = NOW) -> str:
    email = new_letter_email("matti@example.fi", Language.FI, DeliveryType.REMINDER, created_at)
    store.messages.emails[email.id] = email
    store.messages.email_state[email.id] = (created_at, None)
    return email.id


def dispatcher(store: Store, clock: Clock, mailer: FakeMailer | None) -> EmailDispatcher:
    return EmailDispatcher(fake_uow_factory(store), mailer, PORTAL, clock, max_attempts=3)


def gauge(name: str) -> float:
    value = REGISTRY.get_sample_value(name)
    assert value is not None
    return value


async def test_a_pending_email_is_sent_once_with_the_portal_address(
    store: Store, clock: Clock
) -> None:
    email_id = queue_email(store)
    mailer = FakeMailer()
    clock.now = NOW + timedelta(seconds=30)

    first = await dispatcher(store, clock, mailer).dispatch_once()
    second = await dispatcher(store, clock, mailer).dispatch_once()

    assert (first.sent, second.sent) == (1, 0)
    (message,) = mailer.sent
    assert message.to_address == "matti@example.fi"
    assert message.subject == "Uusi kirje MyRopossa"
    assert f"{PORTAL}/viestit" in message.body and "{portal_url}" not in message.body
    assert "Maksumuistutus" in message.body
    assert store.messages.email_state[email_id] == (None, clock.now)
    assert gauge("ropo_invoice_email_outbox_pending") == 0
    assert gauge("ropo_invoice_email_outbox_oldest_age_seconds") == 0


async def test_without_a_mailer_emails_wait_and_the_backlog_shows(
    store: Store, clock: Clock
) -> None:
    queue_email(store)
    clock.now = NOW + timedelta(seconds=90)
    summary = await dispatcher(store, clock, None).dispatch_once()
    assert summary.sent == 0
    assert gauge("ropo_invoice_email_outbox_pending") == 1
    assert gauge("ropo_invoice_email_outbox_oldest_age_seconds") == 90


async def test_a_transient_failure_is_retried_with_backoff_then_given_up(
    store: Store, clock: Clock
) -> None:
    email_id = queue_email(store)
    mailer = FakeMailer(*(MailerError("SMTPConnectError") for _ in range(3)))

    first = await dispatcher(store, clock, mailer).dispatch_once()
    assert first.retrying == 1
    retry_at, sent_at = store.messages.email_state[email_id]
    assert retry_at == NOW + timedelta(seconds=30) and sent_at is None

    # Not due yet: nothing is tried.
    clock.now = NOW + timedelta(seconds=29)
    assert (await dispatcher(store, clock, mailer).dispatch_once()) == type(first)()

    clock.now = NOW + timedelta(seconds=30)
    await dispatcher(store, clock, mailer).dispatch_once()
    assert store.messages.email_state[email_id][0] == clock.now + timedelta(minutes=1)

    clock.now += timedelta(minutes=1)
    last = await dispatcher(store, clock, mailer).dispatch_once()
    assert last.given_up == 1  # the third attempt was the last
    assert store.messages.email_state[email_id] == (None, None)
    assert mailer.sent == []


async def test_a_permanent_refusal_gives_up_at_once(store: Store, clock: Clock) -> None:
    email_id = queue_email(store)
    mailer = FakeMailer(MailerError("SMTPRecipientsRefused 550", permanent=True))
    summary = await dispatcher(store, clock, mailer).dispatch_once()
    assert summary.given_up == 1
    assert store.messages.email_state[email_id] == (None, None)


def test_retry_delays_double_up_to_an_hour() -> None:
    delays = [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)]
    assert delays == [30, 60, 120, 240, 3600, 3600]


# ------------------------------------------------------------------------ notifications


def candidate(
    kind: NotificationKind, due: date, language: Language = Language.FI, invoice: str = "i1"
) -> NotificationCandidate:
    return NotificationCandidate(invoice, kind, due, language, "matti@example.fi")


async def test_each_upcoming_date_is_notified_once(store: Store, clock: Clock) -> None:
    store.messages.upcoming = [
        candidate(NotificationKind.DUE_DATE, date(2026, 9, 4)),
        candidate(NotificationKind.INSTALMENT, date(2026, 9, 3), Language.EN, "i2"),
        candidate(NotificationKind.DUE_DATE, date(2026, 9, 5), invoice="i3"),  # 4 days ahead
    ]
    run = NotificationRun(fake_uow_factory(store), clock, days_before=3)

    first = await run.run_once()
    again = await run.run_once()

    assert (first.due_dates, first.instalments) == (1, 1)
    assert (again.due_dates, again.instalments) == (0, 0)
    emails = sorted(store.messages.emails.values(), key=lambda e: e.subject)
    assert [e.subject for e in emails] == [
        "Laskusi eräpäivä lähestyy",
        "Your payment plan instalment is due soon",
    ]
    assert "4.9.2026" in emails[0].body and "2026-09-03" in emails[1].body
    assert all("{portal_url}" in e.body for e in emails)
    assert store.messages.notified == {
        ("i1", "due_date", date(2026, 9, 4)),
        ("i2", "instalment", date(2026, 9, 3)),
    }
