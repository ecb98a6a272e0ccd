"""The invoice events that feed the invoice index (reference → invoice for matching).

Durable pull consumer ``payment-invoice-events`` on stream ``ROPO_INVOICE``, filtered
to ``invoice_registered``, ``invoice_paid`` and ``invoice_stage_changed``. The platform
consumer runs each event in one transaction with its inbox row, so a redelivered event
is applied once.

- ``invoice_registered`` inserts the invoice (or refreshes its facts; a closed row
  stays closed: a late registration never reopens a paid invoice);
- ``invoice_paid`` and a stage change to paid, credited or cancelled close it (an event
  for an invoice not yet registered leaves a closed placeholder that the registration
  fills in);
- a stage change to an open stage reopens it, unless the row already reflects a newer
  event.

A malformed event cannot be fixed by retrying: it is dead-lettered (``PermanentError``).
Error messages name fields only, never values.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from google.protobuf import timestamp_pb2
from nats.aio.client import Client
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.db import Database
from ropo_platform.messaging import ConsumerSettings, Envelope, EventConsumer, PermanentError
from ropo_platform.money import InvalidMoney
from ropo_platform.money_proto import money_from_proto
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.adapters.bank_tables import INVOICE_ID_LENGTH
from ropo_payment.adapters.invoice_index import (
    IndexedInvoice,
    record_registered,
    record_state,
)
from ropo_payment.domain.references import classify_reference

INVOICE_STREAM = "ROPO_INVOICE"
INVOICE_CONSUMER = "payment-invoice-events"
INVOICE_REGISTERED = "ropo.invoice.v1.invoice_registered"
INVOICE_PAID = "ropo.invoice.v1.invoice_paid"
INVOICE_STAGE_CHANGED = "ropo.invoice.v1.invoice_stage_changed"
#: Stages in which an invoice takes no more payments of its own.
CLOSED_STATES = frozenset(
    {
        invoice_pb2.Invoice.STATE_PAID,
        invoice_pb2.Invoice.STATE_CREDITED,
        invoice_pb2.Invoice.STATE_CANCELLED,
    }
)
_INVOICE_NAME = re.compile(rf"^invoices/[A-Za-z0-9._~-]{{1,{INVOICE_ID_LENGTH}}}$")


def invoice_event_consumer(
    database: Database, nc: Client, settings: ConsumerSettings | None = None
) -> EventConsumer:
    """The consumer of invoice events, with its handlers registered."""
    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=INVOICE_STREAM, durable=INVOICE_CONSUMER),
    )
    consumer.on(INVOICE_REGISTERED, invoice_events.InvoiceRegistered, on_invoice_registered)
    consumer.on(INVOICE_PAID, invoice_events.InvoicePaid, on_invoice_paid)
    consumer.on(INVOICE_STAGE_CHANGED, invoice_events.InvoiceStageChanged, on_stage_changed)
    return consumer


async def on_invoice_registered(
    session: AsyncSession, event: invoice_events.InvoiceRegistered, envelope: Envelope
) -> None:
    """Index the invoice under its reference."""
    problems: list[str] = []
    invoice_id = _invoice_id(event.invoice, problems)
    reference = classify_reference(event.reference)
    if not reference.is_valid:
        problems.append("reference")
    total_minor = 0
    try:
        total_minor = money_from_proto(event.total_amount).minor_units
    except InvalidMoney:
        problems.append("total_amount")
    at = _time(event.HasField("register_time"), event.register_time, envelope, problems)
    if problems:
        raise PermanentError(f"malformed InvoiceRegistered: bad {', '.join(problems)}")
    assert at is not None
    invoice = IndexedInvoice(
        invoice_id=invoice_id,
        reference=reference.value,
        debtor_party=event.debtor_party,
        creditor=event.creditor,
        total_minor=total_minor,
        closed=event.state in CLOSED_STATES,
    )
    await record_registered(session, invoice, at)


async def on_invoice_paid(
    session: AsyncSession, event: invoice_events.InvoicePaid, envelope: Envelope
) -> None:
    """Close the invoice."""
    problems: list[str] = []
    invoice_id = _invoice_id(event.invoice, problems)
    at = _time(event.HasField("paid_time"), event.paid_time, envelope, problems)
    if problems:
        raise PermanentError(f"malformed InvoicePaid: bad {', '.join(problems)}")
    assert at is not None
    await record_state(
        session,
        invoice_id,
        closed=True,
        at=at,
        placeholder=_placeholder(invoice_id, event.debtor_party, event.creditor),
    )


async def on_stage_changed(
    session: AsyncSession, event: invoice_events.InvoiceStageChanged, envelope: Envelope
) -> None:
    """Close the invoice in a closed stage, reopen it in an open one."""
    problems: list[str] = []
    invoice_id = _invoice_id(event.invoice, problems)
    at = _time(event.HasField("change_time"), event.change_time, envelope, problems)
    if event.state == invoice_pb2.Invoice.STATE_UNSPECIFIED:
        problems.append("state")
    if problems:
        raise PermanentError(f"malformed InvoiceStageChanged: bad {', '.join(problems)}")
    assert at is not None
    closed = event.state in CLOSED_STATES
    # An open stage of an invoice we never saw registered says nothing worth keeping.
    placeholder = _placeholder(invoice_id, event.debtor_party, event.creditor) if closed else None
    await record_state(session, invoice_id, closed=closed, at=at, placeholder=placeholder)


def _invoice_id(name: str, problems: list[str]) -> str:
    if not _INVOICE_NAME.match(name):
        problems.append("invoice")
        return ""
    return name.removeprefix("invoices/")


def _time(
    present: bool, value: timestamp_pb2.Timestamp, envelope: Envelope, problems: list[str]
) -> datetime | None:
    if present:
        return value.ToDatetime(tzinfo=UTC)
    if envelope.time is not None:
        return envelope.time
    problems.append("time")
    return None


def _placeholder(invoice_id: str, debtor_party: str, creditor: str) -> IndexedInvoice:
    """The row of an invoice closed before its registration arrived (reference unknown)."""
    return IndexedInvoice(invoice_id, "", debtor_party, creditor, 0, closed=True)
