"""Payment-time use cases on fakes: the integration events they publish and the
creditor policy they read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from invoice_fakes import Store, fake_uow_factory
from ropo.invoice.v1 import events_pb2
from ropo_invoice.domain.payment_time import UnavailableReason
from ropo_invoice.domain.payment_time_policy import PaymentTimePolicy
from ropo_invoice.service_layer.integration_events import (
    DUE_DATE_EXTENDED,
    PAYMENT_PLAN_CANCELLED,
    PAYMENT_PLAN_CREATED,
)
from ropo_invoice.service_layer.payment_time import (
    CancelPaymentPlan,
    CreatePaymentPlan,
    ExtendDueDate,
    PaymentTimeHandlers,
)
from ropo_platform.money import Money
from test_invoice_payment_time_rules import make_invoice

TODAY = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)  # 9 days after the due date


def handlers_with_invoice() -> tuple[PaymentTimeHandlers, Store, str]:
    store = Store()
    invoice = make_invoice("500.00")
    store.invoices[invoice.id] = invoice
    return PaymentTimeHandlers(fake_uow_factory(store), clock=lambda: TODAY), store, invoice.id


async def test_extension_and_plan_publish_their_events() -> None:
    handlers, store, invoice_id = handlers_with_invoice()
    await handlers.extend_due_date(
        ExtendDueDate(invoice_id, date(2026, 1, 20), Money.eur("5.00"), "persons/x")
    )
    made = await handlers.create_payment_plan(
        CreatePaymentPlan(invoice_id, 5, Money.eur("30.00"), "persons/x")
    )
    await handlers.cancel_payment_plan(
        CancelPaymentPlan(invoice_id, made.plan.id, "staffUsers/anna", "Asiakkaan pyyntö")
    )
    published = {event.event_type: event.message for event in store.outbox}
    assert set(published) >= {DUE_DATE_EXTENDED, PAYMENT_PLAN_CREATED, PAYMENT_PLAN_CANCELLED}
    created = published[PAYMENT_PLAN_CREATED]
    assert isinstance(created, events_pb2.PaymentPlanCreated)
    assert len(created.instalments) == 5 and created.fee.units == 30
    cancelled = published[PAYMENT_PLAN_CANCELLED]
    assert isinstance(cancelled, events_pb2.PaymentPlanCancelled)
    assert not cancelled.missed_instalment


async def test_the_stored_creditor_policy_is_used() -> None:
    handlers, store, invoice_id = handlers_with_invoice()
    creditor_id = store.invoices[invoice_id].creditor_id
    await handlers.set_policy(creditor_id, PaymentTimePolicy(plans_allowed=False))
    options = await handlers.options(invoice_id)
    assert options.plan.reason is UnavailableReason.NOT_ALLOWED_BY_CREDITOR
    assert options.extension.available
