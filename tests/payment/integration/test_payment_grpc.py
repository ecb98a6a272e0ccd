"""PaymentService over a real gRPC server on a real database (SQLite; PostgreSQL too when
ROPO_TEST_POSTGRES_URL is set), with an in-memory PSP: exactly-once status messages,
verified signatures with an audit trail, listing, the reconciler and settlement."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

import grpc
import pytest
from payment_support import (
    ALICE,
    FakeProvider,
    RunningServer,
    add_invoice,
    create_request,
    new_request_id,
    outbox_events,
    psp_message_rows,
    signed_query,
    unavailable,
)
from ropo.payment.v1 import events_pb2, payment_pb2
from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_payment.adapters.outbox import PAYMENT_FAILED, PAYMENT_SETTLED, PAYMENT_SUCCEEDED
from ropo_payment.adapters.settlement import settle_payments
from ropo_payment.domain.psp import PspStatus
from ropo_payment.service_layer.handlers import HandlePspReturn
from ropo_payment.service_layer.ports import MessageKind
from ropo_payment.service_layer.settlement import SettlementItem
from ropo_platform.rpc.errors import RpcError
from sqlalchemy import text

pytestmark = pytest.mark.postgres
State = payment_pb2.Payment


async def call_error(call: Any) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return RpcError.from_aio(raised.value)


async def new_payment(running: RunningServer, items: dict[str, int]) -> payment_pb2.Payment:
    for invoice_id in items:
        await add_invoice(running.app.database, invoice_id, reference="1232")
    response = await running.stub.CreatePayment(create_request(items))
    return response.payment


def query_for(payment: payment_pb2.Payment, status: str = "ok", **kwargs: Any) -> dict[str, str]:
    amount = sum(i.amount.units * 100 + i.amount.nanos // 10_000_000 for i in payment.items)
    values: dict[str, Any] = {
        "transaction_id": payment.provider_transaction_id,
        "stamp": payment.name.removeprefix("payments/"),
        "amount_minor": amount,
        "status": status,
    }
    values.update(kwargs)
    return signed_query(**values)


def psp_return(
    query: dict[str, str], kind: pb.PspReturnKind.ValueType = pb.PSP_RETURN_KIND_CALLBACK
) -> Any:
    return pb.HandlePspReturnRequest(request_id=new_request_id(), kind=kind, query_parameters=query)


async def test_ten_callbacks_and_the_redirect_pay_once(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    query = query_for(payment)
    calls = [running.stub.HandlePspReturn(psp_return(query)) for _ in range(10)]
    calls.append(running.stub.HandlePspReturn(psp_return(query, pb.PSP_RETURN_KIND_REDIRECT)))
    answers = await asyncio.gather(*calls)
    assert {answer.payment.state for answer in answers} == {State.STATE_SUCCEEDED}
    assert await outbox_events(running.app.database, PAYMENT_SUCCEEDED) == 1
    rows = await psp_message_rows(running.app.database)
    assert len(rows) == 11
    assert [row["outcome"] for row in rows].count("accepted") == 1
    assert all("signature" not in row["query"] for row in rows)
    got = await running.stub.GetPayment(pb.GetPaymentRequest(name=payment.name))
    assert got.payment.state == State.STATE_SUCCEEDED
    assert got.payment.provider_method == "nordea"
    assert got.payment.HasField("succeed_time")


async def test_the_succeeded_event_carries_items_amount_and_payer(
    running: RunningServer,
) -> None:
    payment = await new_payment(running, {"inv-1": 1525, "inv-2": 475})
    await running.stub.HandlePspReturn(psp_return(query_for(payment)))
    async with running.app.database.session() as session:
        body = await session.scalar(
            text("SELECT payload FROM outbox WHERE event_type = :t"), {"t": PAYMENT_SUCCEEDED}
        )
    event = events_pb2.PaymentSucceeded.FromString(body)
    assert event.payment == payment.name
    assert event.payer == ALICE
    assert (event.amount.units, event.amount.nanos) == (20, 0)
    assert [item.invoice for item in event.items] == ["invoices/inv-1", "invoices/inv-2"]


async def test_ok_then_fail_stays_ok(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    await running.stub.HandlePspReturn(psp_return(query_for(payment, "ok")))
    answer = await running.stub.HandlePspReturn(psp_return(query_for(payment, "fail")))
    assert answer.payment.state == State.STATE_SUCCEEDED
    assert await outbox_events(running.app.database, PAYMENT_FAILED) == 0
    rows = await psp_message_rows(running.app.database)
    assert (rows[-1]["outcome"], rows[-1]["reason"]) == ("ignored", "PAYMENT_STATUS_REGRESSION")


async def test_pending_then_ok_pays(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    pending = await running.stub.HandlePspReturn(psp_return(query_for(payment, "pending")))
    assert pending.payment.state == State.STATE_PENDING
    paid = await running.stub.HandlePspReturn(psp_return(query_for(payment, "ok")))
    assert paid.payment.state == State.STATE_SUCCEEDED


async def test_cancel_fails_the_payment_once(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    for _ in range(2):
        answer = await running.stub.HandlePspReturn(psp_return(query_for(payment, "fail")))
        assert answer.payment.state == State.STATE_FAILED
    assert await outbox_events(running.app.database, PAYMENT_FAILED) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"checkout-amount": "1"}, id="amount"),
        pytest.param({"checkout-status": "ok"}, id="status"),
        pytest.param({"signature": ""}, id="missing-signature"),
    ],
)
async def test_a_tampered_message_is_refused_audited_and_changes_nothing(
    running: RunningServer, tamper: dict[str, str]
) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    query = {**query_for(payment, "pending"), **tamper}
    if not query["signature"]:
        del query["signature"]
    error = await call_error(running.stub.HandlePspReturn(psp_return(query)))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "PSP_SIGNATURE_INVALID"
    assert [v.field for v in error.field_violations] == ["query_parameters"]
    [row] = await psp_message_rows(running.app.database)
    assert row["outcome"] == "rejected"
    assert row["reason"].startswith("PSP_SIGNATURE_INVALID")
    got = await running.stub.GetPayment(pb.GetPaymentRequest(name=payment.name))
    assert got.payment.state == State.STATE_PENDING
    assert got.payment.update_time == payment.update_time


async def test_a_signed_message_with_another_amount_is_refused(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    error = await call_error(
        running.stub.HandlePspReturn(psp_return(query_for(payment, amount_minor=1)))
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "PSP_AMOUNT_MISMATCH"
    [row] = await psp_message_rows(running.app.database)
    assert (row["outcome"], row["reason"]) == ("rejected", "PSP_AMOUNT_MISMATCH")
    got = await running.stub.GetPayment(pb.GetPaymentRequest(name=payment.name))
    assert got.payment.state == State.STATE_PENDING


async def test_an_unknown_transaction_is_not_found_and_audited(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    query = query_for(payment, transaction_id="other", stamp="b" * 32)
    error = await call_error(running.stub.HandlePspReturn(psp_return(query)))
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.reason == "PAYMENT_NOT_FOUND"
    [row] = await psp_message_rows(running.app.database)
    assert (row["outcome"], row["reason"]) == ("rejected", "PAYMENT_NOT_FOUND")


async def test_an_unknown_signed_checkout_parameter_still_verifies(
    running: RunningServer,
) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    query = query_for(payment, extra={"checkout-foo": "bar"})
    answer = await running.stub.HandlePspReturn(psp_return(query))
    assert answer.payment.state == State.STATE_SUCCEEDED


async def test_sha512_messages_verify(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    answer = await running.stub.HandlePspReturn(psp_return(query_for(payment, algorithm="sha512")))
    assert answer.payment.state == State.STATE_SUCCEEDED


async def test_list_payments_by_invoice_newest_first_in_pages(running: RunningServer) -> None:
    await add_invoice(running.app.database, "inv-1")
    await add_invoice(running.app.database, "inv-2")
    created = []
    for _ in range(3):
        response = await running.stub.CreatePayment(create_request({"inv-1": 100}))
        created.append(response.payment.name)
    await running.stub.CreatePayment(create_request({"inv-2": 100}))
    first = await running.stub.ListPayments(
        pb.ListPaymentsRequest(invoice="invoices/inv-1", page_size=2)
    )
    assert first.next_page_token
    second = await running.stub.ListPayments(
        pb.ListPaymentsRequest(
            invoice="invoices/inv-1", page_size=2, page_token=first.next_page_token
        )
    )
    assert not second.next_page_token
    names = [p.name for p in first.payments] + [p.name for p in second.payments]
    assert sorted(names) == sorted(created)
    times = [p.create_time.ToDatetime() for p in [*first.payments, *second.payments]]
    assert times == sorted(times, reverse=True)
    by_payer = await running.stub.ListPayments(pb.ListPaymentsRequest(payer=ALICE))
    assert len(by_payer.payments) == 4
    error = await call_error(
        running.stub.ListPayments(
            pb.ListPaymentsRequest(invoice="invoices/inv-2", page_token=first.next_page_token)
        )
    )
    assert error.reason == "INVALID_PAGE_TOKEN"


async def test_get_payment_of_an_unknown_payment(running: RunningServer) -> None:
    error = await call_error(
        running.stub.GetPayment(pb.GetPaymentRequest(name="payments/" + "c" * 32))
    )
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.reason == "PAYMENT_NOT_FOUND"


async def test_create_payment_replays_over_grpc(
    running: RunningServer, fake_provider: FakeProvider
) -> None:
    await add_invoice(running.app.database, "inv-1")
    request = create_request({"inv-1": 1525})
    first = await running.stub.CreatePayment(request)
    again = await running.stub.CreatePayment(request)
    assert again == first
    assert len(fake_provider.created) == 1
    other = create_request({"inv-1": 1}, request_id=request.request_id)
    error = await call_error(running.stub.CreatePayment(other))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "REQUEST_ID_REUSED"


async def test_reconciler_completes_a_payment_whose_callbacks_were_lost(
    running: RunningServer, fake_provider: FakeProvider
) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    handlers = running.app.handlers
    handlers._reconcile_after = handlers._reconcile_after * 0  # due at once
    reconciler = running.app.reconciler()
    # The person has not paid yet: nothing changes.
    assert await reconciler.run_once() == 0
    fake_provider.statuses[payment.provider_transaction_id] = PspStatus.OK
    assert await reconciler.run_once() == 1
    assert fake_provider.queried == [payment.provider_transaction_id] * 2
    got = await running.stub.GetPayment(pb.GetPaymentRequest(name=payment.name))
    assert got.payment.state == State.STATE_SUCCEEDED
    assert await outbox_events(running.app.database, PAYMENT_SUCCEEDED) == 1
    rows = await psp_message_rows(running.app.database)
    assert [row["kind"] for row in rows] == ["reconcile", "reconcile"]
    # Settled payments are no longer due.
    assert await reconciler.run_once() == 0
    assert len(fake_provider.queried) == 2


async def test_the_reconciler_rotates_through_more_pending_payments_than_one_round_takes(
    running: RunningServer, fake_provider: FakeProvider
) -> None:
    pending = [await new_payment(running, {f"inv-{n}": 1000 + n}) for n in range(3)]
    handlers = running.app.handlers
    handlers._reconcile_after *= 0
    # Abandoned pages never complete: a round of two must not ask the same two forever.
    await handlers.reconcile_due(limit=2)
    await handlers.reconcile_due(limit=2)
    asked = set(fake_provider.queried)
    assert asked == {payment.provider_transaction_id for payment in pending}


async def test_payments_older_than_the_max_age_are_no_longer_asked_about(
    running: RunningServer, fake_provider: FakeProvider
) -> None:
    await new_payment(running, {"inv-1": 1525})
    handlers = running.app.handlers
    handlers._reconcile_after *= 0
    handlers._reconcile_max_age *= 0
    assert await handlers.reconcile_due() == 0
    assert fake_provider.queried == []


async def test_a_psp_outage_skips_the_reconcile_round(
    running: RunningServer, fake_provider: FakeProvider
) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    running.app.handlers._reconcile_after *= 0
    fake_provider.statuses[payment.provider_transaction_id] = PspStatus.OK
    fake_provider.get_failures.append(unavailable())
    assert await running.app.reconciler().run_once() == 0
    assert await running.app.reconciler().run_once() == 1


async def test_a_callback_before_create_finished_adopts_the_transaction(
    running: RunningServer, fake_provider: FakeProvider
) -> None:
    await add_invoice(running.app.database, "inv-1")
    original = fake_provider.create_payment
    answers: list[Any] = []

    async def fast_psp(request: Any) -> Any:
        created = await original(request)
        # The PSP calls back before CreatePayment stored the transaction id.
        query = signed_query(
            transaction_id=created.transaction_id,
            stamp=request.stamp,
            amount_minor=request.amount_minor,
        )
        answers.append(await running.app.handlers.handle_psp_return(_command(query)))
        return created

    fake_provider.create_payment = fast_psp  # type: ignore[method-assign]
    response = await running.stub.CreatePayment(create_request({"inv-1": 1525}))
    assert answers[0].provider_transaction_id == response.payment.provider_transaction_id
    assert response.payment.state == State.STATE_SUCCEEDED
    assert response.payment.payment_page_url


async def test_settlement_settles_succeeded_payments_once(running: RunningServer) -> None:
    payment = await new_payment(running, {"inv-1": 1525})
    await running.stub.HandlePspReturn(psp_return(query_for(payment)))
    item = SettlementItem(
        payment.provider_transaction_id, payment.name.removeprefix("payments/"), 1525
    )
    wrong = SettlementItem(payment.provider_transaction_id, "", 1)
    unknown = SettlementItem("nope", "", 1525)
    got = running.app.database
    settled_at = payment.create_time.ToDatetime().replace(tzinfo=UTC)
    async with got.transaction() as session:
        outcome = await settle_payments(session, [item, wrong, unknown], settled_at)
    assert (outcome.settled, outcome.mismatched, outcome.unknown) == (1, 1, 1)
    async with got.transaction() as session:
        again = await settle_payments(session, [item], settled_at)
    assert (again.settled, again.already_settled) == (0, 1)
    answer = await running.stub.GetPayment(pb.GetPaymentRequest(name=payment.name))
    assert answer.payment.state == State.STATE_SETTLED
    assert await outbox_events(got, PAYMENT_SETTLED) == 1
    # ok never goes back, settled included.
    late = await running.stub.HandlePspReturn(psp_return(query_for(payment, "fail")))
    assert late.payment.state == State.STATE_SETTLED


def _command(query: dict[str, str]) -> HandlePspReturn:
    return HandlePspReturn(new_request_id(), MessageKind.CALLBACK, query)
