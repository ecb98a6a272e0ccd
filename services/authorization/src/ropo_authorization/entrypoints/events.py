"""Event subscriptions: the invoice events that feed the ownership read model.

Durable pull consumer ``authorization-invoice-events`` on stream ``ROPO_INVOICE``,
filtered to ``ropo.invoice.v1.invoice_registered``. The platform consumer runs
each event in one transaction with its inbox row, so a redelivered event is
skipped and an effect is never applied twice; the handler itself also tolerates
the same registration under a new event id.

A malformed event, or one that would move a known invoice to another debtor,
cannot be fixed by retrying: it is dead-lettered (``PermanentError``) for an
operator to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from nats.aio.client import Client
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo_platform.db import Database
from ropo_platform.messaging import ConsumerSettings, Envelope, EventConsumer, PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_authorization.domain.ownership import RecordOutcome
from ropo_authorization.domain.subjects import (
    InvalidSubject,
    is_creditor_name,
    is_invoice_name,
    parse_party,
)
from ropo_authorization.service_layer.handlers import (
    RecordInvoiceRegistered,
    record_invoice_registered,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork

INVOICE_STREAM = "ROPO_INVOICE"
INVOICE_CONSUMER = "authorization-invoice-events"
INVOICE_REGISTERED = "ropo.invoice.v1.invoice_registered"

#: A unit of work joined to the consumer's transaction (wired in ``bootstrap``).
JoinedUnitOfWorkFactory = Callable[[AsyncSession], AbstractUnitOfWork]


def registration_command(
    event: invoice_events.InvoiceRegistered, envelope: Envelope
) -> RecordInvoiceRegistered:
    """The command an ``InvoiceRegistered`` event means; ``PermanentError`` when malformed."""
    problems: list[str] = []
    if not is_invoice_name(event.invoice):
        problems.append("invoice")
    if not is_creditor_name(event.creditor):
        problems.append("creditor")
    try:
        parse_party(event.debtor_party)
    except InvalidSubject:
        problems.append("debtor_party")
    if event.HasField("register_time"):
        register_time = event.register_time.ToDatetime(tzinfo=UTC)
    elif envelope.time is not None:
        register_time = envelope.time
    else:
        problems.append("register_time")
    if problems:
        # Field names only: the values may hold anything, including personal data.
        raise PermanentError(f"malformed InvoiceRegistered: bad {', '.join(problems)}")
    return RecordInvoiceRegistered(event.invoice, event.creditor, event.debtor_party, register_time)


def invoice_event_consumer(
    database: Database,
    nc: Client,
    joined_uow: JoinedUnitOfWorkFactory,
    settings: ConsumerSettings | None = None,
) -> EventConsumer:
    """The consumer of invoice events, with its handlers registered."""

    async def on_invoice_registered(
        session: AsyncSession, event: invoice_events.InvoiceRegistered, envelope: Envelope
    ) -> None:
        command = registration_command(event, envelope)
        outcome = await record_invoice_registered(command, joined_uow(session))
        if outcome is RecordOutcome.CONFLICTING:
            raise PermanentError(f"{command.invoice} is already registered to another party")

    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=INVOICE_STREAM, durable=INVOICE_CONSUMER),
    )
    consumer.on(INVOICE_REGISTERED, invoice_events.InvoiceRegistered, on_invoice_registered)
    return consumer
