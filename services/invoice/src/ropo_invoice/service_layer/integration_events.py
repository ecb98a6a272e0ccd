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
from ropo_invoice.domain.payment_plan import PAYMENT_PLANS_SEGMENT
from ropo_invoice.service_layer.proto_values import (
    date_to_proto,
    debtor_kind_to_proto,
    instalment_to_proto,
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
def to_integration_event(event: events.Event) -> IntegrationEvent | None:
    """The integration event of ``event``, or ``None`` for facts kept inside the service.

    Every domain event type must be registered here, either way: an unregistered one
    is a programming error (``TypeError``), not an event silently kept private.
    """
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


INVOICE_STAGE_CHANGED = "ropo.invoice.v1.invoice_stage_changed"
INVOICE_PAID = "ropo.invoice.v1.invoice_paid"
OVERPAYMENT_DETECTED = "ropo.invoice.v1.overpayment_detected"
CREDIT_NOTE_REFUND_DUE = "ropo.invoice.v1.credit_note_refund_due"


@to_integration_event.register
def _stage_changed(event: events.InvoiceStageChanged) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.InvoiceStageChanged(
        invoice=invoice,
        previous_state=state_to_proto(event.previous),
        state=state_to_proto(event.stage),
        change_time=timestamp_to_proto(event.occurred_at),
        debtor_party=event.debtor_party,
        creditor=CREDITORS_PREFIX + event.creditor_id,
    )
    return IntegrationEvent(INVOICE_STAGE_CHANGED, invoice, message, event.occurred_at)


@to_integration_event.register
def _paid(event: events.InvoicePaid) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.InvoicePaid(
        invoice=invoice,
        creditor=CREDITORS_PREFIX + event.creditor_id,
        debtor_party=event.debtor_party,
        paid_amount=money_to_proto(event.paid_amount),
        paid_time=timestamp_to_proto(event.occurred_at),
    )
    return IntegrationEvent(INVOICE_PAID, invoice, message, event.occurred_at)


@to_integration_event.register
def _overpaid(event: events.OverpaymentDetected) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.OverpaymentDetected(
        invoice=invoice,
        creditor=CREDITORS_PREFIX + event.creditor_id,
        debtor_party=event.debtor_party,
        debtor_display_name=event.debtor_name,
        language_code=event.language.value,
        overpaid_amount=money_to_proto(event.amount),
        payment=event.payment,
        detect_time=timestamp_to_proto(event.occurred_at),
        case_number=event.case_number,
    )
    return IntegrationEvent(OVERPAYMENT_DETECTED, invoice, message, event.occurred_at)


@to_integration_event.register
def _credit_refund(event: events.CreditNoteRefundDue) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.CreditNoteRefundDue(
        invoice=invoice,
        creditor=CREDITORS_PREFIX + event.creditor_id,
        debtor_party=event.debtor_party,
        debtor_display_name=event.debtor_name,
        language_code=event.language.value,
        credit_note_number=event.credit_note_number,
        refund_amount=money_to_proto(event.amount),
        credit_time=timestamp_to_proto(event.occurred_at),
        case_number=event.case_number,
    )
    return IntegrationEvent(CREDIT_NOTE_REFUND_DUE, invoice, message, event.occurred_at)


DUE_DATE_EXTENDED = "ropo.invoice.v1.due_date_extended"
PAYMENT_PLAN_CREATED = "ropo.invoice.v1.payment_plan_created"
PAYMENT_PLAN_CANCELLED = "ropo.invoice.v1.payment_plan_cancelled"


@to_integration_event.register
def _extended(event: events.DueDateExtended) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.DueDateExtended(
        invoice=invoice,
        previous_due_date=date_to_proto(event.previous_due_date),
        due_date=date_to_proto(event.due_date),
        fee=money_to_proto(event.fee),
        extend_time=timestamp_to_proto(event.occurred_at),
    )
    return IntegrationEvent(DUE_DATE_EXTENDED, invoice, message, event.occurred_at)


@to_integration_event.register
def _plan_created(event: events.PaymentPlanCreated) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    plan = event.plan
    message = events_pb2.PaymentPlanCreated(
        invoice=invoice,
        payment_plan=plan.resource_name(event.invoice_id),
        instalments=[instalment_to_proto(i) for i in plan.instalments],
        fee=money_to_proto(plan.fee),
        total_amount=money_to_proto(plan.total_amount),
        create_time=timestamp_to_proto(event.occurred_at),
    )
    return IntegrationEvent(PAYMENT_PLAN_CREATED, invoice, message, event.occurred_at)


@to_integration_event.register
def _plan_cancelled(event: events.PaymentPlanCancelled) -> IntegrationEvent:
    invoice = INVOICES_PREFIX + event.invoice_id
    message = events_pb2.PaymentPlanCancelled(
        invoice=invoice,
        payment_plan=f"{invoice}{PAYMENT_PLANS_SEGMENT}{event.plan_id}",
        missed_instalment=event.missed_instalment,
        cancel_time=timestamp_to_proto(event.occurred_at),
    )
    return IntegrationEvent(PAYMENT_PLAN_CANCELLED, invoice, message, event.occurred_at)


# A dispute is published through its stage changes (to and from DISPUTED).
@to_integration_event.register(events.InvoiceDisputed)
@to_integration_event.register(events.DisputeResolved)
@to_integration_event.register(events.PaymentPlanInstalmentMissed)
@to_integration_event.register(events.PaymentPlanCompleted)
@to_integration_event.register(events.LetterIssued)
@to_integration_event.register(events.CostAdded)
@to_integration_event.register(events.InterestCharged)
@to_integration_event.register(events.PaymentConfirmed)
@to_integration_event.register(events.PaymentReceived)
@to_integration_event.register(events.CreditNoteApplied)
def _kept_inside(event: events.Event) -> None:
    """Bookkeeping inside the service: the timeline shows it, no other service needs it
    (stage changes, payment and refund facts above are what others act on)."""
    return None
