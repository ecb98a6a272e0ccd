"""A dispute holds collection: the real collection run on a real database (SQLite, and
PostgreSQL when configured), with a settable clock over many days. While disputed an
invoice gets no letter, fee, interest, plan reminder or cancellation and no stage
change; rejected, the next run sends the reminder with its fee; accepted in whole, it
ends credited and no letter follows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest_asyncio
from invoice_server_support import RunningServer, SettableClock, running_server
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2, invoice_service_pb2, payment_time_pb2
from ropo_platform.money import Money
from test_dispute_grpc import (
    DISPUTE_TEST_START,
    dispute,
    eur,
    euros,
    get,
    import_invoice,
    resolve,
    timeline,
)

pb = invoice_service_pb2
Event = invoice_event_pb2.InvoiceEvent
State = invoice_pb2.Invoice
DUE = date(2026, 9, 15)
DEBTOR = "persons/" + "a" * 32


def on(days_after_due: int) -> datetime:
    day = DUE + timedelta(days=days_after_due)
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def service(migrated_url: str) -> AsyncIterator[tuple[RunningServer, SettableClock]]:
    clock = SettableClock(DISPUTE_TEST_START)
    async with running_server(migrated_url, clock) as running:
        yield running, clock


def snapshot(invoice: invoice_pb2.Invoice) -> tuple[object, ...]:
    components = tuple(
        (c.type, euros(c.amount), euros(c.open_amount)) for c in invoice.ledger_components
    )
    return invoice.state, euros(invoice.open_amount), components


async def make_plan(service: RunningServer, name: str) -> payment_time_pb2.PaymentPlan:
    options = await service.stub.GetPaymentTimeOptions(
        pb.GetPaymentTimeOptionsRequest(invoice=name)
    )
    choice = options.payment_plan.choices[0]
    made = await service.stub.CreatePaymentPlan(
        pb.CreatePaymentPlanRequest(
            invoice=name,
            instalment_count=choice.instalment_count,
            accepted_fee=choice.fee,
            actor=DEBTOR,
        )
    )
    plan: payment_time_pb2.PaymentPlan = made.payment_plan
    return plan


async def test_a_dispute_holds_collection_until_it_is_resolved(
    service: tuple[RunningServer, SettableClock],
) -> None:
    running, clock = service
    run = running.app.collection.run_once
    clock.now = on(5)
    rejected = (await import_invoice(running, number="H1")).name
    accepted = (await import_invoice(running, number="H2", total="500,00")).name
    plan = await make_plan(running, accepted)
    first_instalment = plan.instalments[0].due_date
    assert date(first_instalment.year, first_instalment.month, first_instalment.day) < on(45).date()

    part = await dispute(running, rejected, disputed_amount=eur("24.00"))
    whole = await dispute(running, accepted)
    held = {name: snapshot(await get(running, name)) for name in (rejected, accepted)}
    entries = {name: len(await timeline(running, name)) for name in (rejected, accepted)}
    assert all(state == State.STATE_DISPUTED for state, _, _ in held.values())

    # Day 15 would bring the reminder, day 30 the demand, day 60 the plan's cancellation.
    for days in (15, 30, 60):
        clock.now = on(days)
        summary = await run()
        assert (summary.letters, summary.interest_charges, summary.failures) == (0, 0, 0)
        for name in (rejected, accepted):
            # Also when one invoice is run on its own (``collect --invoice``).
            alone = await running.app.collection.run_for(name.removeprefix("invoices/"))
            assert (alone.letters, alone.interest_charges, alone.failures) == (0, 0, 0)
            assert snapshot(await get(running, name)) == held[name]
            assert len(await timeline(running, name)) == entries[name]
    shown = await get(running, accepted)
    assert shown.payment_plan.state == payment_time_pb2.PaymentPlan.STATE_ACTIVE
    overdue = payment_time_pb2.Instalment.STATE_OVERDUE
    assert not any(i.state == overdue for i in shown.payment_plan.instalments)

    # Rejected: back to where it stood, and the next run sends the reminder with its fee.
    clock.now = on(61)
    decided = await resolve(
        running, part.dispute.name, pb.DISPUTE_OUTCOME_REJECTED, "Ei perustetta."
    )
    assert decided.invoice.state == State.STATE_INVOICE
    summary = await run()
    assert summary.letters == 1
    reminded = await get(running, rejected)
    assert reminded.state == State.STATE_REMINDER
    fees = [
        euros(c.amount)
        for c in reminded.ledger_components
        if c.type == invoice_pb2.LEDGER_COMPONENT_TYPE_REMINDER_FEE
    ]
    assert fees == [Money.eur("5.00")]
    events = await timeline(running, rejected)
    (letter,) = [e for e in events if e.type == Event.TYPE_LETTER_SENT]
    assert letter.title == "Maksumuistutus"
    # The days of the dispute never became interest: what accrues later starts after it.
    clock.now = on(70)
    await run()
    charged = [
        e for e in await timeline(running, rejected) if e.type == Event.TYPE_INTEREST_CHARGED
    ]
    assert charged[-1].description.startswith("15.11.2026–")  # day 61 after the due date
    assert len(charged) == 2  # before the dispute, and after it

    # Accepted in whole: credited, its plan ended, and no letter follows.
    decided = await resolve(running, whole.dispute.name, pb.DISPUTE_OUTCOME_ACCEPTED, "Hyvitetty.")
    assert decided.invoice.state == State.STATE_CREDITED
    assert euros(decided.invoice.open_amount).is_zero()
    assert decided.invoice.payment_plan.state == payment_time_pb2.PaymentPlan.STATE_CANCELLED
    for days in (71, 100):
        clock.now = on(days)
        await run()
    credited = await get(running, accepted)
    assert credited.state == State.STATE_CREDITED and euros(credited.open_amount).is_zero()
    letters = [e for e in await timeline(running, accepted) if e.type == Event.TYPE_LETTER_SENT]
    assert [e.title for e in letters] == []
