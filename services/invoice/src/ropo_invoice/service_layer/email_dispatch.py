"""Sending the e-mail outbox (a worker task).

Every ``interval`` seconds the dispatcher claims a batch of due e-mails (a lease,
so two dispatchers never send the same row), sends each through the ``Mailer``
port and marks it sent — at least once: a dispatcher that dies between sending
and marking lets the lease run out and the e-mail goes again. A failure is retried
with exponential backoff; a permanent refusal (a 5xx answer) or too many attempts
gives the e-mail up. Without a mailer (no SMTP host configured) nothing is sent and
the rows wait. Logs name e-mails by id only, never by address.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from prometheus_client import Counter, Gauge
from ropo_platform.db.types import utcnow
from ropo_platform.logging import get_logger

from ropo_invoice.service_layer.notifications import PORTAL_URL
from ropo_invoice.service_layer.ports import OutgoingEmail
from ropo_invoice.service_layer.unit_of_work import UnitOfWorkFactory

_log = get_logger(__name__)

EMAIL_OUTBOX_PENDING = Gauge(
    "ropo_invoice_email_outbox_pending",
    "E-mails in the outbox not yet sent (given-up ones not counted).",
)
EMAIL_OUTBOX_OLDEST_AGE = Gauge(
    "ropo_invoice_email_outbox_oldest_age_seconds",
    "Age of the oldest e-mail not yet sent, 0 when none.",
)
EMAILS_SENT = Counter("ropo_invoice_emails_sent_total", "E-mails accepted by the mail server.")
EMAIL_SEND_FAILURES = Counter(
    "ropo_invoice_email_send_failures_total",
    "Failed attempts to send an e-mail, by outcome (retry or given up).",
    ["outcome"],
)


@dataclass(frozen=True, slots=True)
class EmailMessage:
    """One e-mail as the mail server gets it."""

    to_address: str = field(repr=False)
    subject: str
    body: str = field(repr=False)


class MailerError(Exception):
    """Sending failed. ``description`` is safe to store and log (no address, no
    server text); ``permanent`` when retrying cannot help."""

    def __init__(self, description: str, *, permanent: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.permanent = permanent


class Mailer(Protocol):
    """Port: hands an e-mail to a mail server (an adapter implements it with SMTP)."""

    async def send(self, message: EmailMessage) -> None:
        """Send ``message``; ``MailerError`` when it was not accepted."""
        ...


@dataclass(frozen=True, slots=True)
class DispatchSummary:
    """What one round did."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0


def retry_delay(attempts: int, base: float = 30.0, cap: float = 3600.0) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min … at most 1 h."""
    exponent = min(max(attempts, 1) - 1, 20)
    return timedelta(seconds=min(cap, base * 2.0**exponent))


@dataclass(slots=True)
class EmailDispatcher:
    """Sends the e-mail outbox every ``interval`` seconds until stopped."""

    uow: UnitOfWorkFactory
    mailer: Mailer | None
    #: The MyRopo address put where the e-mails link to it.
    portal_url: str
    clock: Callable[[], datetime] = field(default=utcnow)
    interval: float = 5.0
    batch_size: int = 20
    #: How long a claimed e-mail stays hidden from other dispatchers.
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 10
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def dispatch_once(self) -> DispatchSummary:
        """Send one batch of due e-mails (none without a mailer); samples the metrics."""
        sent = retrying = given_up = 0
        if self.mailer is not None:
            async with self.uow() as uow:
                claimed = await uow.emails.claim(self.clock(), self.batch_size, self.lease)
                await uow.commit()
            for email in claimed:
                outcome = await self._send(self.mailer, email)
                sent += outcome == "sent"
                retrying += outcome == "retry"
                given_up += outcome == "given_up"
        await self.sample_metrics()
        return DispatchSummary(sent, retrying, given_up)

    async def _send(self, mailer: Mailer, email: OutgoingEmail) -> str:
        message = EmailMessage(
            email.to_address, email.subject, email.body.replace(PORTAL_URL, self.portal_url)
        )
        try:
            await mailer.send(message)
        except MailerError as error:
            return await self._failed(email, error)
        async with self.uow() as uow:
            await uow.emails.mark_sent(email.id, self.clock())
            await uow.commit()
        EMAILS_SENT.inc()
        _log.info("email_sent", email=email.id, attempts=email.attempts)
        return "sent"

    async def _failed(self, email: OutgoingEmail, error: MailerError) -> str:
        give_up = error.permanent or email.attempts >= self.max_attempts
        retry_at = None if give_up else self.clock() + retry_delay(email.attempts)
        async with self.uow() as uow:
            await uow.emails.mark_failed(email.id, error.description, retry_at)
            await uow.commit()
        outcome = "given_up" if give_up else "retry"
        EMAIL_SEND_FAILURES.labels(outcome).inc()
        _log.warning(
            "email_send_failed",
            email=email.id,
            attempts=email.attempts,
            error=error.description,
            outcome=outcome,
        )
        return outcome

    async def sample_metrics(self) -> None:
        """Set the backlog gauges from the outbox."""
        async with self.uow(read_only=True) as uow:
            backlog = await uow.emails.backlog()
        EMAIL_OUTBOX_PENDING.set(backlog.pending)
        EMAIL_OUTBOX_OLDEST_AGE.set(backlog.oldest_age(self.clock()))

    async def run(self) -> None:
        """Dispatch now, then every ``interval``; errors are logged and retried."""
        if self.mailer is None:
            _log.info("email_dispatch_disabled", reason="no SMTP host configured")
        while not self._stop.is_set():
            try:
                await self.dispatch_once()
            except Exception:
                _log.exception("email_dispatch_failed")
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            except TimeoutError:
                continue

    def stop(self) -> None:
        """Finish after the current batch."""
        self._stop.set()
