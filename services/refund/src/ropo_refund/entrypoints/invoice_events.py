"""The invoice events that open refund cases.

Durable pull consumer ``refund-invoice-events`` on stream ``ROPO_INVOICE``, filtered
to ``overpayment_detected`` and ``credit_note_refund_due``. The platform consumer runs
each event in one transaction with its inbox row, and the case opener finds a case it
opened before for the same source, so a redelivered event opens one case.

A malformed event, a non-positive amount or one not in euros is not a case: it is
dead-lettered (``PermanentError``).
"""

from __future__ import annotations

from nats.aio.client import Client
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo_platform.db import Database
from ropo_platform.messaging import ConsumerSettings, Envelope, EventConsumer
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.unit_of_work import JoinedUnitOfWork
from ropo_refund.entrypoints.event_checks import (
    INVOICE,
    MAX_CREDIT_NOTE_NUMBER,
    MAX_NAME,
    PARTY,
    PAYMENT,
    Problems,
)
from ropo_refund.service_layer.opening import (
    CaseOpener,
    CreditNoteRefundDue,
    OverpaymentDetected,
)

INVOICE_STREAM = "ROPO_INVOICE"
INVOICE_CONSUMER = "refund-invoice-events"
OVERPAYMENT_DETECTED = "ropo.invoice.v1.overpayment_detected"
CREDIT_NOTE_REFUND_DUE = "ropo.invoice.v1.credit_note_refund_due"


def invoice_event_consumer(
    database: Database, nc: Client, opener: CaseOpener, settings: ConsumerSettings | None = None
) -> EventConsumer:
    """The consumer of invoice events, with its handlers registered."""
    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=INVOICE_STREAM, durable=INVOICE_CONSUMER),
    )

    async def on_overpayment(
        session: AsyncSession, event: invoice_events.OverpaymentDetected, envelope: Envelope
    ) -> None:
        command = overpayment(event)
        async with JoinedUnitOfWork(session) as uow:
            await opener.open_case_from_overpayment(uow, command)

    async def on_credit_note(
        session: AsyncSession, event: invoice_events.CreditNoteRefundDue, envelope: Envelope
    ) -> None:
        command = credit_note(event)
        async with JoinedUnitOfWork(session) as uow:
            await opener.open_case_from_credit_note(uow, command)

    consumer.on(OVERPAYMENT_DETECTED, invoice_events.OverpaymentDetected, on_overpayment)
    consumer.on(CREDIT_NOTE_REFUND_DUE, invoice_events.CreditNoteRefundDue, on_credit_note)
    return consumer


def overpayment(event: invoice_events.OverpaymentDetected) -> OverpaymentDetected:
    """The command of an ``overpayment_detected`` event; ``PermanentError`` when malformed."""
    problems = Problems("OverpaymentDetected")
    command = OverpaymentDetected(
        invoice=problems.match(INVOICE, event.invoice, "invoice"),
        payment=problems.match(PAYMENT, event.payment, "payment"),
        debtor_party=_party(problems, event.debtor_party),
        debtor_display_name=problems.text(
            event.debtor_display_name, "debtor_display_name", MAX_NAME
        ),
        language=event.language_code,
        amount=problems.amount(
            event.HasField("overpaid_amount"), event.overpaid_amount, "overpaid_amount"
        ),
    )
    problems.raise_if_any()
    return command


def credit_note(event: invoice_events.CreditNoteRefundDue) -> CreditNoteRefundDue:
    """The command of a ``credit_note_refund_due`` event; ``PermanentError`` when malformed."""
    problems = Problems("CreditNoteRefundDue")
    command = CreditNoteRefundDue(
        invoice=problems.match(INVOICE, event.invoice, "invoice"),
        credit_note_number=problems.text(
            event.credit_note_number,
            "credit_note_number",
            MAX_CREDIT_NOTE_NUMBER,
            required=True,
        ),
        debtor_party=_party(problems, event.debtor_party),
        debtor_display_name=problems.text(
            event.debtor_display_name, "debtor_display_name", MAX_NAME
        ),
        language=event.language_code,
        amount=problems.amount(
            event.HasField("refund_amount"), event.refund_amount, "refund_amount"
        ),
    )
    problems.raise_if_any()
    return command


def _party(problems: Problems, value: str) -> str:
    # Unknown debtors (an e-invoice without an identity) come without a party.
    if value:
        problems.match(PARTY, value, "debtor_party")
    return value
