"""Event subscriptions: the invoice events that feed the ownership read model and
end per-invoice authorizations.

Durable pull consumer ``authorization-invoice-events`` on stream ``ROPO_INVOICE``,
filtered to ``invoice_registered``, ``invoice_paid`` and ``invoice_stage_changed``
(the filter is the registered event types; the worker re-provisions the durable at
start, and NATS ≥ 2.10 updates the filter of an existing durable in place, so a
durable created with the old single filter keeps its position and takes the new
subjects from then on — events of the new types published before the upgrade are
not replayed). The platform consumer runs each event in one transaction with its
inbox row, so a redelivered event is skipped and an effect is never applied twice;
the handlers themselves also tolerate repeats under a new event id.

``invoice_paid`` and a stage change to paid, credited or cancelled close the invoice:
its active per-invoice authorizations end (state ENDED, ``authorization_revoked``
in the same transaction). Other stage changes are ignored.

A malformed event, or one that would move a known invoice to another debtor,
cannot be fixed by retrying: it is dead-lettered (``PermanentError``) for an
operator to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from google.protobuf import timestamp_pb2
from nats.aio.client import Client
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.invoice.v1 import invoice_pb2
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
    RecordInvoiceClosed,
    RecordInvoiceRegistered,
    record_invoice_closed,
    record_invoice_registered,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork

INVOICE_STREAM = "ROPO_INVOICE"
INVOICE_CONSUMER = "authorization-invoice-events"
INVOICE_REGISTERED = "ropo.invoice.v1.invoice_registered"
INVOICE_PAID = "ropo.invoice.v1.invoice_paid"
INVOICE_STAGE_CHANGED = "ropo.invoice.v1.invoice_stage_changed"
#: Stages after which an invoice is closed for authorizations.
CLOSING_STATES = frozenset(
    {
        invoice_pb2.Invoice.STATE_PAID,
        invoice_pb2.Invoice.STATE_CREDITED,
        invoice_pb2.Invoice.STATE_CANCELLED,
    }
)

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


def closing_command(
    invoice: str,
    creditor: str,
    debtor_party: str,
    has_time: bool,
    time: timestamp_pb2.Timestamp,
    envelope: Envelope,
    event_name: str,
) -> RecordInvoiceClosed:
    """The command an ``InvoicePaid`` / closing ``InvoiceStageChanged`` means."""
    problems: list[str] = []
    if not is_invoice_name(invoice):
        problems.append("invoice")
    if not is_creditor_name(creditor):
        problems.append("creditor")
    try:
        parse_party(debtor_party)
    except InvalidSubject:
        problems.append("debtor_party")
    if has_time:
        close_time = time.ToDatetime(tzinfo=UTC)
    elif envelope.time is not None:
        close_time = envelope.time
    else:
        problems.append("time")
    if problems:
        raise PermanentError(f"malformed {event_name}: bad {', '.join(problems)}")
    return RecordInvoiceClosed(invoice, creditor, debtor_party, close_time)


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

    async def on_invoice_paid(
        session: AsyncSession, event: invoice_events.InvoicePaid, envelope: Envelope
    ) -> None:
        command = closing_command(
            event.invoice,
            event.creditor,
            event.debtor_party,
            event.HasField("paid_time"),
            event.paid_time,
            envelope,
            "InvoicePaid",
        )
        await record_invoice_closed(command, joined_uow(session))

    async def on_invoice_stage_changed(
        session: AsyncSession, event: invoice_events.InvoiceStageChanged, envelope: Envelope
    ) -> None:
        if event.state not in CLOSING_STATES:
            return
        command = closing_command(
            event.invoice,
            event.creditor,
            event.debtor_party,
            event.HasField("change_time"),
            event.change_time,
            envelope,
            "InvoiceStageChanged",
        )
        await record_invoice_closed(command, joined_uow(session))

    consumer.on(INVOICE_REGISTERED, invoice_events.InvoiceRegistered, on_invoice_registered)
    consumer.on(INVOICE_PAID, invoice_events.InvoicePaid, on_invoice_paid)
    consumer.on(INVOICE_STAGE_CHANGED, invoice_events.InvoiceStageChanged, on_invoice_stage_changed)
    return consumer
