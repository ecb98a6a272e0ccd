"""Payment time over the real gRPC server on a real database (SQLite, and PostgreSQL
when configured), with a settable clock: options, due-date extensions, payment plans,
idempotent replays, concurrency, payments to instalments, missed instalments."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from google.type import date_pb2, money_pb2
from invoice_server_support import (
    RunningServer,
    SettableClock,
    running_server,
)
from invoice_support import finvoice_xml
from ropo.invoice.v1 import (
    invoice_event_pb2,
    invoice_pb2,
    invoice_service_pb2,
    payment_time_pb2,
)
from ropo_invoice.domain.payment_time_policy import PaymentTimePolicy
from ropo_invoice.service_layer.payments import ReceivePayment, receive_payment
from ropo_platform.money import Money
from ropo_platform.rpc import RpcError

pb = invoice_service_pb2
Event = invoice_event_pb2.InvoiceEvent
Reason = payment_time_pb2.PaymentTimeUnavailableReason
STAFF = "staffUsers/anna"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 9, 20, 8, 0, tzinfo=UTC))  # 5 days after the due date


@pytest_asyncio.fixture
async def service(migrated_url: str, clock: SettableClock) -> AsyncIterator[RunningServer]:
    async with running_server(migrated_url, clock) as running:
        yield running


def eur(amount: str) -> money_pb2.Money:
    units, _, cents = amount.partition(".")
    return money_pb2.Money(
        currency_code="EUR", units=int(units), nanos=int((cents or "0").ljust(2, "0")) * 10**7
    )


def euros(message: money_pb2.Money) -> str:
    return str(Money.from_units_nanos(message.units, message.nanos, message.currency_code).amount)


def as_date(value: date_pb2.Date) -> date:
    return date(value.year, value.month, value.day)


def proto_date(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


async def call_error(call: object) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return RpcError.from_aio(raised.value)


async def import_invoice(service: RunningServer, total: str = "124,00") -> invoice_pb2.Invoice:
    response = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(total=total, instructed=total))
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def get(service: RunningServer, name: str) -> invoice_pb2.Invoice:
    invoice: invoice_pb2.Invoice = (
        await service.stub.GetInvoice(pb.GetInvoiceRequest(name=name, view=pb.INVOICE_VIEW_FULL))
    ).invoice
    return invoice


async def timeline(service: RunningServer, name: str) -> list[invoice_event_pb2.InvoiceEvent]:
    response = await service.stub.ListInvoiceEvents(pb.ListInvoiceEventsRequest(invoice=name))
    return list(response.invoice_events)


# ------------------------------------------------------------------ options


async def test_options_show_the_extension_and_the_plans(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    options = await service.stub.GetPaymentTimeOptions(
        pb.GetPaymentTimeOptionsRequest(invoice=invoice.name, language_code="en")
    )
    extension = options.due_date_extension
    assert extension.available
    assert as_date(extension.earliest_due_date) == date(2026, 9, 21)
    assert as_date(extension.latest_due_date) == date(2026, 10, 4)
    assert euros(extension.fee) == "5.00"
    plans = options.payment_plan
    assert plans.available
    # 124 € + 20 € (≤ 4 instalments) or 30 € (more): 154 € / 7 = 22 € is the last ≥ 20 €.
    assert [c.instalment_count for c in plans.choices] == [2, 3, 4, 5, 6, 7]
    three = plans.choices[1]
    assert euros(three.fee) == "20.00" and euros(three.total_amount) == "144.00"
    assert [euros(i.amount) for i in three.instalments] == ["48.00", "48.00", "48.00"]
    assert as_date(three.instalments[0].due_date) == date(2026, 10, 20)


async def test_options_say_why_not_in_the_requested_language(service: RunningServer) -> None:
    invoice = await import_invoice(service, total="40,00")
    creditor_id = invoice.creditor.removeprefix("creditors/")
    await service.app.payment_time.set_policy(
        creditor_id, PaymentTimePolicy(extension_allowed=False)
    )
    options = await service.stub.GetPaymentTimeOptions(
        pb.GetPaymentTimeOptionsRequest(invoice=invoice.name, language_code="sv")
    )
    extension, plans = options.due_date_extension, options.payment_plan
    assert not extension.available
    assert (
        extension.unavailable_reason
        == Reason.PAYMENT_TIME_UNAVAILABLE_REASON_NOT_ALLOWED_BY_CREDITOR
    )
    assert extension.unavailable_message.startswith("Faktureraren")
    assert not plans.available and not plans.choices
    assert plans.unavailable_reason == Reason.PAYMENT_TIME_UNAVAILABLE_REASON_AMOUNT_TOO_SMALL


async def test_options_of_an_unknown_invoice_and_bad_names(service: RunningServer) -> None:
    error = await call_error(
        service.stub.GetPaymentTimeOptions(pb.GetPaymentTimeOptionsRequest(invoice="invoices/x"))
    )
    assert error.code == grpc.StatusCode.NOT_FOUND
    error = await call_error(
        service.stub.GetPaymentTimeOptions(
            pb.GetPaymentTimeOptionsRequest(invoice="bills/1", language_code="de")
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in error.field_violations} == {"invoice", "language_code"}


# ------------------------------------------------------------------ extension


async def test_extend_due_date_charges_the_fee_and_replays(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    request = pb.ExtendDueDateRequest(
        request_id=str(uuid.uuid4()),
        invoice=invoice.name,
        new_due_date=proto_date(date(2026, 10, 4)),
        accepted_fee=eur("5.00"),
        actor=invoice.debtor.party,
    )
    response = await service.stub.ExtendDueDate(request)
    assert euros(response.fee) == "5.00"
    assert as_date(response.invoice.due_date) == date(2026, 10, 4)
    again = await service.stub.ExtendDueDate(request)
    assert again.invoice.due_date == response.invoice.due_date and euros(again.fee) == "5.00"

    stored = await get(service, invoice.name)
    assert as_date(stored.due_date) == date(2026, 10, 4)
    assert as_date(stored.original_due_date) == date(2026, 9, 15)
    assert stored.due_date_extension_count == 1
    fees = [
        c
        for c in stored.ledger_components
        if c.type == invoice_pb2.LEDGER_COMPONENT_TYPE_DUE_DATE_EXTENSION_FEE
    ]
    assert [euros(c.amount) for c in fees] == ["5.00"]  # charged once despite the replay
    events = await timeline(service, invoice.name)
    (extended,) = [e for e in events if e.type == Event.TYPE_DUE_DATE_EXTENDED]
    assert extended.title == "Eräpäivää siirretty"

    reused = request.__deepcopy__()
    reused.new_due_date.CopyFrom(proto_date(date(2026, 10, 1)))
    error = await call_error(service.stub.ExtendDueDate(reused))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and error.reason == "REQUEST_ID_REUSED"

    second = pb.ExtendDueDateRequest(
        invoice=invoice.name,
        new_due_date=proto_date(date(2026, 10, 10)),
        accepted_fee=eur("0"),
        actor=invoice.debtor.party,
    )
    error = await call_error(service.stub.ExtendDueDate(second))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "DUE_DATE_EXTENSION_NOT_ALLOWED"


async def test_extend_refuses_a_changed_fee_and_an_unoffered_date(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    base = pb.ExtendDueDateRequest(
        invoice=invoice.name, actor=invoice.debtor.party, accepted_fee=eur("0")
    )
    base.new_due_date.CopyFrom(proto_date(date(2026, 9, 30)))
    error = await call_error(service.stub.ExtendDueDate(base))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION and error.reason == "FEE_CHANGED"
    base.accepted_fee.CopyFrom(eur("5.00"))
    base.new_due_date.CopyFrom(proto_date(date(2026, 10, 5)))
    error = await call_error(service.stub.ExtendDueDate(base))
    assert error.reason == "DUE_DATE_EXTENSION_NOT_ALLOWED"
    assert (await get(service, invoice.name)).due_date_extension_count == 0


async def test_bad_extension_requests_name_their_fields(service: RunningServer) -> None:
    error = await call_error(
        service.stub.ExtendDueDate(
            pb.ExtendDueDateRequest(
                request_id="not-a-uuid",
                invoice="invoices/",
                new_due_date=date_pb2.Date(year=2026, month=2, day=30),
                actor="someone",
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in error.field_violations} == {
        "request_id",
        "invoice",
        "new_due_date",
        "accepted_fee",
        "actor",
    }


# ------------------------------------------------------------------ plans


async def create_plan(
    service: RunningServer, invoice: invoice_pb2.Invoice, count: int, fee: str, request_id: str
) -> pb.CreatePaymentPlanResponse:
    response: pb.CreatePaymentPlanResponse = await service.stub.CreatePaymentPlan(
        pb.CreatePaymentPlanRequest(
            request_id=request_id,
            invoice=invoice.name,
            instalment_count=count,
            accepted_fee=eur(fee),
            actor=invoice.debtor.party,
        )
    )
    return response


async def test_create_show_and_cancel_a_plan(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    request_id = str(uuid.uuid4())
    made = await create_plan(service, invoice, 3, "20.00", request_id)
    plan = made.payment_plan
    assert plan.state == payment_time_pb2.PaymentPlan.STATE_ACTIVE
    assert plan.name.startswith(f"{invoice.name}/paymentPlans/")
    assert [euros(i.amount) for i in plan.instalments] == ["48.00", "48.00", "48.00"]
    replayed = await create_plan(service, invoice, 3, "20.00", request_id)
    assert replayed.payment_plan.name == plan.name

    shown = await get(service, invoice.name)
    assert shown.payment_plan.name == plan.name
    assert len(shown.payment_plan.instalments) == 3
    assert euros(shown.open_amount) == "144.00"

    error = await call_error(create_plan(service, invoice, 2, "20.00", str(uuid.uuid4())))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "PAYMENT_PLAN_NOT_ALLOWED"
    assert error.error_info is not None
    assert error.error_info.metadata["unavailable_reason"] == "active_payment_plan"

    denied = await call_error(
        service.stub.CancelPaymentPlan(
            pb.CancelPaymentPlanRequest(name=plan.name, actor=invoice.debtor.party, reason="x")
        )
    )
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    cancelled = await service.stub.CancelPaymentPlan(
        pb.CancelPaymentPlanRequest(name=plan.name, actor=STAFF, reason="Asiakkaan pyyntö")
    )
    assert cancelled.payment_plan.state == payment_time_pb2.PaymentPlan.STATE_CANCELLED
    assert cancelled.payment_plan.HasField("cancel_time")
    types = [e.type for e in await timeline(service, invoice.name)]
    assert Event.TYPE_PAYMENT_PLAN_CREATED in types
    assert Event.TYPE_PAYMENT_PLAN_CANCELLED in types


async def test_bad_plan_requests_name_their_fields(service: RunningServer) -> None:
    error = await call_error(
        service.stub.CreatePaymentPlan(pb.CreatePaymentPlanRequest(invoice="x", actor=""))
    )
    assert {v.field for v in error.field_violations} == {
        "invoice",
        "instalment_count",
        "accepted_fee",
        "actor",
    }
    error = await call_error(
        service.stub.CancelPaymentPlan(pb.CancelPaymentPlanRequest(name="invoices/a", actor=STAFF))
    )
    assert {v.field for v in error.field_violations} == {"name", "reason"}
    invoice = await import_invoice(service)
    error = await call_error(create_plan(service, invoice, 13, "50.00", str(uuid.uuid4())))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION


async def test_twenty_concurrent_plans_make_exactly_one(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    outcomes = await asyncio.gather(
        *(create_plan(service, invoice, 2, "20.00", str(uuid.uuid4())) for _ in range(20)),
        return_exceptions=True,
    )
    made = [o for o in outcomes if isinstance(o, pb.CreatePaymentPlanResponse)]
    refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(made) == 1 and len(refused) == 19
    assert {e.code() for e in refused} <= {
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ABORTED,
    }
    stored = await get(service, invoice.name)
    fees = [
        c
        for c in stored.ledger_components
        if c.type == invoice_pb2.LEDGER_COMPONENT_TYPE_PAYMENT_PLAN_FEE
    ]
    assert len(fees) == 1
    assert stored.payment_plan.name == made[0].payment_plan.name


async def test_payments_are_allocated_to_instalments_in_order(service: RunningServer) -> None:
    invoice = await import_invoice(service)
    await create_plan(service, invoice, 3, "20.00", str(uuid.uuid4()))
    await receive_payment(
        ReceivePayment(
            invoice.name.removeprefix("invoices/"),
            "bank-1",
            Money.eur("60.00"),
            date(2026, 10, 1),
            datetime(2026, 10, 1, tzinfo=UTC),
        ),
        service.app.handlers.uow(),
    )
    plan = (await get(service, invoice.name)).payment_plan
    assert [euros(i.paid_amount) for i in plan.instalments] == ["48.00", "12.00", "0.00"]
    assert [i.state for i in plan.instalments] == [
        payment_time_pb2.Instalment.STATE_PAID,
        payment_time_pb2.Instalment.STATE_OPEN,
        payment_time_pb2.Instalment.STATE_OPEN,
    ]


async def test_missed_instalment_reminds_then_cancels_and_collection_continues(
    service: RunningServer, clock: SettableClock
) -> None:
    invoice = await import_invoice(service)
    await create_plan(service, invoice, 2, "20.00", str(uuid.uuid4()))  # due 20.10. and 20.11.

    clock.now = datetime(2026, 10, 15, 6, 0, tzinfo=UTC)  # a plan: no ordinary letter
    assert (await service.app.collection.run_once()).letters == 0
    clock.now = datetime(2026, 10, 21, 6, 0, tzinfo=UTC)  # the first instalment missed
    await service.app.collection.run_once()
    shown = await get(service, invoice.name)
    assert shown.payment_plan.instalments[0].state == payment_time_pb2.Instalment.STATE_OVERDUE
    assert shown.payment_plan.state == payment_time_pb2.PaymentPlan.STATE_ACTIVE
    reminders = [
        e
        for e in await timeline(service, invoice.name)
        if e.type == Event.TYPE_LETTER_SENT and e.title == "Maksusuunnitelman erä erääntynyt"
    ]
    assert len(reminders) == 1

    clock.now = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14 days: still within grace
    await service.app.collection.run_once()
    still = await get(service, invoice.name)
    assert still.payment_plan.state == payment_time_pb2.PaymentPlan.STATE_ACTIVE

    clock.now = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)  # grace over: cancelled
    summary = await service.app.collection.run_once()
    ended = await get(service, invoice.name)
    assert ended.payment_plan.state == payment_time_pb2.PaymentPlan.STATE_CANCELLED
    assert summary.letters == 1  # collection continues: the reminder letter goes out
    assert ended.state == invoice_pb2.Invoice.STATE_REMINDER
    types = [e.type for e in await timeline(service, invoice.name)]
    assert Event.TYPE_PAYMENT_PLAN_CANCELLED in types
