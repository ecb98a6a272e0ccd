"""Domain events → entries of the invoice's status timeline (*Tapahtumat*).

Each entry is stored with the change that caused it (same transaction, see
``unit_of_work``), so the timeline can never disagree with the invoice. Every
domain event type is registered here; an unregistered one is a programming
error (``TypeError``), like in ``integration_events``.
"""

from __future__ import annotations

from functools import singledispatch

from ropo_platform.money import Money

from ropo_invoice.domain import events
from ropo_invoice.service_layer.ports import TimelineEntry, TimelineType

#: ``letter_type`` of the reminder sent when a plan's instalment was missed.
PLAN_REMINDER = "payment_plan_reminder"


@singledispatch
def timeline_entries(event: events.Event) -> list[TimelineEntry]:
    """The timeline entries ``event`` adds (usually one; none for bookkeeping facts)."""
    raise TypeError(f"no timeline mapping for {type(event).__name__}")


@timeline_entries.register
def _registered(event: events.InvoiceRegistered) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            invoice_id=event.invoice_id,
            type=TimelineType.IMPORTED,
            occurred_at=event.occurred_at,
            amount=event.total_amount,
            details={"due_date": event.due_date.isoformat()},
        )
    ]


def _entry(
    event: events.Event,
    type_: TimelineType,
    amount: Money | None = None,
    letter_id: str = "",
    **details: str,
) -> list[TimelineEntry]:
    return [TimelineEntry(event.invoice_id, type_, event.occurred_at, amount, letter_id, details)]


@timeline_entries.register
def _stage_changed(event: events.InvoiceStageChanged) -> list[TimelineEntry]:
    return _entry(
        event, TimelineType.STAGE_CHANGED, stage=event.stage.value, previous=event.previous.value
    )


@timeline_entries.register
def _letter(event: events.LetterIssued) -> list[TimelineEntry]:
    letter = event.letter
    return _entry(
        event,
        TimelineType.LETTER_SENT,
        letter.open_amount,
        letter.id,
        letter_type=letter.type.value,
        due_date=letter.due_date.isoformat(),
    )


@timeline_entries.register
def _cost(event: events.CostAdded) -> list[TimelineEntry]:
    return _entry(
        event, TimelineType.COST_ADDED, event.amount, event.letter_id, cost=event.type.value
    )


@timeline_entries.register
def _interest(event: events.InterestCharged) -> list[TimelineEntry]:
    return _entry(
        event,
        TimelineType.INTEREST_CHARGED,
        event.amount,
        start=event.start.isoformat(),
        end=event.end.isoformat(),
    )


@timeline_entries.register
def _confirmed(event: events.PaymentConfirmed) -> list[TimelineEntry]:
    return _entry(event, TimelineType.PAYMENT_CONFIRMED, event.amount)


@timeline_entries.register
def _received(event: events.PaymentReceived) -> list[TimelineEntry]:
    return _entry(
        event, TimelineType.PAYMENT_RECEIVED, event.amount, booked_on=event.booked_on.isoformat()
    )


@timeline_entries.register
def _credited(event: events.CreditNoteApplied) -> list[TimelineEntry]:
    return _entry(
        event,
        TimelineType.CREDIT_NOTE_APPLIED,
        event.amount,
        credit_note=event.credit_note_number,
    )


@timeline_entries.register
def _overpaid(event: events.OverpaymentDetected) -> list[TimelineEntry]:
    return _entry(event, TimelineType.OVERPAID, event.amount)


@timeline_entries.register
def _refund_due(event: events.CreditNoteRefundDue) -> list[TimelineEntry]:
    return _entry(event, TimelineType.OVERPAID, event.amount, credit_note=event.credit_note_number)


@timeline_entries.register
def _paid(event: events.InvoicePaid) -> list[TimelineEntry]:
    return _entry(event, TimelineType.PAID, event.paid_amount)


@timeline_entries.register
def _extended(event: events.DueDateExtended) -> list[TimelineEntry]:
    return _entry(
        event,
        TimelineType.DUE_DATE_EXTENDED,
        event.fee,
        due_date=event.due_date.isoformat(),
        previous_due_date=event.previous_due_date.isoformat(),
    )


@timeline_entries.register
def _plan_created(event: events.PaymentPlanCreated) -> list[TimelineEntry]:
    plan = event.plan
    return _entry(
        event,
        TimelineType.PAYMENT_PLAN_CREATED,
        plan.total_amount,
        instalments=str(len(plan.instalments)),
        first_due_date=plan.instalments[0].due_date.isoformat(),
    )


@timeline_entries.register
def _instalment_missed(event: events.PaymentPlanInstalmentMissed) -> list[TimelineEntry]:
    # The reminder is a letter to the person: pay the instalment before the plan ends.
    last_day = event.cancel_on.toordinal() - 1
    return _entry(
        event,
        TimelineType.LETTER_SENT,
        event.open_amount,
        letter_type=PLAN_REMINDER,
        due_date=type(event.due_date).fromordinal(last_day).isoformat(),
        instalment=str(event.instalment_number),
    )


@timeline_entries.register
def _plan_cancelled(event: events.PaymentPlanCancelled) -> list[TimelineEntry]:
    cause = "missed_instalment" if event.missed_instalment else "staff"
    return _entry(event, TimelineType.PAYMENT_PLAN_CANCELLED, cause=cause, reason=event.reason)


@timeline_entries.register
def _plan_completed(event: events.PaymentPlanCompleted) -> list[TimelineEntry]:
    return []  # the payment entry and, at the end, "paid" already tell the story


@timeline_entries.register
def _disputed(event: events.InvoiceDisputed) -> list[TimelineEntry]:
    scope = "whole" if event.whole else "part"
    return _entry(event, TimelineType.DISPUTED, event.amount, dispute=event.dispute_id, scope=scope)


@timeline_entries.register
def _dispute_resolved(event: events.DisputeResolved) -> list[TimelineEntry]:
    # The entry links the customer-service letter that told the debtor the outcome.
    return _entry(
        event,
        TimelineType.DISPUTE_RESOLVED,
        event.credited,
        event.letter_id,
        dispute=event.dispute_id,
        outcome=event.outcome.value,
    )
