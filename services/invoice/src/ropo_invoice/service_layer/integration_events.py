"""Domain events → integration events (``ropo.invoice.v1`` proto messages) for the outbox.

The domain's dataclasses are private to the service; other services see only
the messages of ``events.proto``, published on subject = CloudEvents type =
``ropo.invoice.v1.<event_snake>``. People appear only as party names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import singledispatch

from google.protobuf.message import Message
from ropo.invoice.v1 import events_pb2
from ropo_platform.money_proto import money_to_proto

from ropo_invoice.domain import events
from ropo_invoice.domain.model import CREDITORS_PREFIX, INVOICES_PREFIX
from ropo_invoice.service_layer.proto_values import (
    date_to_proto,
    debtor_kind_to_proto,
    state_to_proto,
    timestamp_to_proto,
)

EVENT_SOURCE = "/ropo/invoice"
INVOICE_REGISTERED = "ropo.invoice.v1.invoice_registered"


@dataclass(frozen=True, slots=True)
class IntegrationEvent:
    """What goes into one outbox row."""

    event_type: str
    subject_name: str
    message: Message
    occurred_at: datetime


@singledispatch
def to_integration_event(event: events.Event) -> IntegrationEvent:
    """The integration event of ``event``; every domain event type must have one."""
    raise TypeError(f"no integration event for {type(event).__name__}")


@to_integration_event.register
def _invoice_registered(event: events.InvoiceRegistered) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.InvoiceRegistered(
        invoice=invoice,
        creditor=CREDITORS_PREFIX + event.creditor_id,
        debtor_party=event.debtor_party,
        invoice_number=event.invoice_number,
        reference=event.reference,
        due_date=date_to_proto(event.due_date),
        total_amount=money_to_proto(event.total_amount),
        register_time=timestamp_to_proto(event.occurred_at),
        debtor_kind=debtor_kind_to_proto(event.debtor_kind),
        case_number=event.case_number,
        state=state_to_proto(event.stage),
    )
    return IntegrationEvent(INVOICE_REGISTERED, invoice, message, event.occurred_at)
