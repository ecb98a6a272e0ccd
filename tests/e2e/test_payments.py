"""Paying in MyRopo end to end, with real processes: the sandbox PSP signs, the gateway passes
its redirects and callbacks through, the payment service applies each transaction once and
publishes, the invoice service shows *Maksettu MyRopossa* and, after the settlement report,
allocates the money.

Each test pays an invoice of its own (``Stack.import_fresh_invoice``), so no other test sees
a paid invoice. The PSP secret is the public Paytrail test merchant's: the tests sign their
own forged messages with it, as a PSP with a bug (or a leaked key) would.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

import grpc
import httpx
import pytest
from google.type import money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ropo.invoice.v1 import (
    invoice_event_pb2,
    invoice_pb2,
    invoice_service_pb2,
    invoice_service_pb2_grpc,
)
from ropo.payment.v1 import payment_pb2, payment_service_pb2
from ropo_payment.domain.psp import signature
from ropo_platform.money_proto import money_from_proto
from ropo_platform.testing.ports import free_port
from ropo_platform.testing.processes import ManagedProcess
from ropo_stack import Stack, person_subject, reference_payment_file

pytestmark = pytest.mark.slow
PERSON = "anna-andersson"
PSP_SECRET = "SAIPPUAKAUPPIAS"
_State = payment_pb2.Payment.State
PAYMENT_SUCCEEDED = "ropo.payment.v1.payment_succeeded"


@pytest.fixture
def quiet_psp(stack: Stack) -> Iterator[Stack]:
    """The sandbox sends no callbacks of its own: the test delivers them."""
    stack.psp_settings(dropCallbacks=True, callbackDuplicates=1, callbackDelaySeconds=0)
    yield stack
    stack.psp_settings(
        dropCallbacks=False, callbackDuplicates=1, callbackDelaySeconds=0, extraParameters={}
    )


async def start_payment(
    stack: Stack, invoice: invoice_pb2.Invoice, request_id: str | None = None
) -> payment_pb2.Payment:
    async with grpc.aio.insecure_channel(str(stack.payment_addr)) as channel:
        response = await stack.payment_stub(channel).CreatePayment(
            create_request(stack, invoice, request_id or str(uuid.uuid4())), timeout=15
        )
    return response.payment


def create_request(
    stack: Stack, invoice: invoice_pb2.Invoice, request_id: str
) -> payment_service_pb2.CreatePaymentRequest:
    return payment_service_pb2.CreatePaymentRequest(
        request_id=request_id,
        payer=person_subject(PERSON),
        items=[payment_pb2.PaymentItem(invoice=invoice.name, amount=invoice.open_amount)],
        success_url=f"{stack.gateway_url}/maksu/paluu",
        cancel_url=f"{stack.gateway_url}/maksu/paluu",
        language_code="fi",
    )


def transaction_id(payment: payment_pb2.Payment) -> str:
    assert payment.provider_transaction_id or payment.payment_page_url
    return payment.provider_transaction_id or payment.payment_page_url.rsplit("/", 1)[-1]


def complete_at_psp(stack: Stack, payment: payment_pb2.Payment, outcome: str) -> dict[str, str]:
    """The person pays (or cancels) on the PSP's page; returns the signed return query."""
    response = stack.psp(
        "POST",
        f"/control/payments/{transaction_id(payment)}/complete",
        {"outcome": outcome, "provider": "nordea"},
    )
    assert response.status_code == 200, response.text
    return dict(parse_qsl(urlsplit(response.json()["redirectUrl"]).query))


def resigned(query: dict[str, str], **changes: str) -> dict[str, str]:
    """``query`` with some ``checkout-*`` values changed and a valid signature again."""
    params = {k: v for k, v in query.items() if k != "signature"} | changes
    return params | {"signature": signature(params, "", PSP_SECRET, params["checkout-algorithm"])}


async def deliver(stack: Stack, path: str, query: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=15.0) as client:
        return await client.get(f"{stack.gateway_url}{path}?{urlencode(query)}")


def outbox_events(stack: Stack, event_type: str, subject: str) -> int:
    with sqlite3.connect(f"file:{stack.tmp_dir / 'payment.db'}?mode=ro", uri=True) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM outbox WHERE event_type = ? AND subject = ?",
            (event_type, subject),
        ).fetchone()
    return int(count)


def rejected_messages(stack: Stack, transaction: str) -> int:
    with sqlite3.connect(f"file:{stack.tmp_dir / 'payment.db'}?mode=ro", uri=True) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM psp_messages WHERE transaction_id = ? AND outcome = 'rejected'",
            (transaction,),
        ).fetchone()
    return int(count)


def gateway_psp_rejections(stack: Stack) -> int:
    with sqlite3.connect(f"file:{stack.tmp_dir / 'gateway.db'}?mode=ro", uri=True) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM audit_log WHERE purpose = 'psp_return' AND outcome = 'rejected'"
        ).fetchone()
    return int(count)


async def timeline(stack: Stack, invoice: str, kind: int) -> list[invoice_event_pb2.InvoiceEvent]:
    async with grpc.aio.insecure_channel(str(stack.invoice_addr)) as channel:
        stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        response = await stub.ListInvoiceEvents(
            invoice_service_pb2.ListInvoiceEventsRequest(invoice=invoice, page_size=1000),
            timeout=10,
        )
    return [event for event in response.invoice_events if event.type == kind]


async def wait_for_invoice(
    stack: Stack, name: str, ready: str, within: float = 30.0
) -> invoice_pb2.Invoice:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        invoice = await stack.get_invoice(name)
        if (ready == "paid_in_myropo" and invoice.paid_in_myropo) or (
            ready == "paid" and invoice.state == invoice_pb2.Invoice.STATE_PAID
        ):
            return invoice
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{name} not {ready} within {within}s: {invoice}")
        await asyncio.sleep(0.1)


def cents(amount: money_pb2.Money) -> int:
    return money_from_proto(amount).minor_units


async def test_ten_concurrent_callbacks_and_the_redirect_make_one_payment(quiet_psp: Stack) -> None:
    stack = quiet_psp
    invoice = await stack.import_fresh_invoice(PERSON)
    payment = await start_payment(stack, invoice)
    query = complete_at_psp(stack, payment, "success")

    deliveries = [deliver(stack, "/maksu/callback", query) for _ in range(10)]
    deliveries.append(deliver(stack, "/maksu/paluu", query))
    answers = await asyncio.gather(*deliveries)

    assert [answer.status_code for answer in answers[:10]] == [200] * 10
    assert answers[10].status_code == 200 and "Maksettu MyRopossa" in answers[10].text
    paid = await stack.get_payment(payment.name)
    assert paid.state == _State.STATE_SUCCEEDED
    assert outbox_events(stack, PAYMENT_SUCCEEDED, payment.name) == 1
    shown = await wait_for_invoice(stack, invoice.name, "paid_in_myropo")
    # Confirmed, not settled: the open amount stays until the money arrives.
    assert cents(shown.open_amount) == cents(invoice.open_amount)
    confirmed = invoice_event_pb2.InvoiceEvent.TYPE_PAYMENT_CONFIRMED
    assert len(await timeline(stack, invoice.name, confirmed)) == 1

    report = stack.settle_at_psp()
    imported = await stack.import_statement(report)
    assert imported.settled_count >= 1
    settled = await stack.wait_for_payment_state(payment.name, _State.STATE_SETTLED)
    assert settled.HasField("settle_time")
    closed = await wait_for_invoice(stack, invoice.name, "paid")
    assert cents(closed.open_amount) == 0
    again = await stack.import_statement(report)
    assert again.settled_count == 0
    received = invoice_event_pb2.InvoiceEvent.TYPE_PAYMENT_RECEIVED
    entries = await timeline(stack, invoice.name, received)
    assert [cents(entry.amount) for entry in entries] == [cents(invoice.open_amount)]


async def test_ok_is_final_pending_then_ok_pays_and_forgeries_change_nothing(
    quiet_psp: Stack,
) -> None:
    stack = quiet_psp
    first = await stack.import_fresh_invoice(PERSON)
    payment = await start_payment(stack, first)
    ok = complete_at_psp(stack, payment, "success")
    assert (await deliver(stack, "/maksu/callback", ok)).status_code == 200
    fail = resigned(ok, **{"checkout-status": "fail"})
    assert (await deliver(stack, "/maksu/callback", fail)).status_code == 200
    assert (await stack.get_payment(payment.name)).state == _State.STATE_SUCCEEDED

    second = await stack.import_fresh_invoice(PERSON)
    waiting = await start_payment(stack, second)
    pending = complete_at_psp(stack, waiting, "pending")
    assert (await deliver(stack, "/maksu/paluu", pending)).status_code == 200
    assert (await stack.get_payment(waiting.name)).state == _State.STATE_PENDING
    transaction = transaction_id(waiting)
    audited = gateway_psp_rejections(stack)
    forged = [
        {**pending, "checkout-amount": str(int(pending["checkout-amount"]) - 100)},
        {**pending, "checkout-status": "ok"},
        {k: v for k, v in pending.items() if k != "signature"},
        pending | {"checkout-unsigned": "added-later"},
    ]
    for query in forged:
        answer = await deliver(stack, "/maksu/callback", query)
        assert 400 <= answer.status_code < 500, answer.text
    assert (await stack.get_payment(waiting.name)).state == _State.STATE_PENDING
    assert rejected_messages(stack, transaction) >= len(forged)
    assert gateway_psp_rejections(stack) >= audited + len(forged)

    # The PSP adds a parameter we have never heard of, and signs it: still valid.
    stack.psp_settings(extraParameters={"checkout-foo": "bar"})
    later = complete_at_psp(stack, waiting, "success")
    assert later["checkout-foo"] == "bar" and later["checkout-status"] == "ok"
    assert (await deliver(stack, "/maksu/callback", later)).status_code == 200
    assert (await stack.get_payment(waiting.name)).state == _State.STATE_SUCCEEDED


async def test_dropped_callbacks_are_made_up_by_the_reconciler(quiet_psp: Stack) -> None:
    stack = quiet_psp
    invoice = await stack.import_fresh_invoice(PERSON)
    payment = await start_payment(stack, invoice)
    complete_at_psp(stack, payment, "success")  # the browser never comes back either

    paid = await stack.wait_for_payment_state(payment.name, _State.STATE_SUCCEEDED, within=20)
    assert paid.provider_method == "nordea"
    await wait_for_invoice(stack, invoice.name, "paid_in_myropo")


async def test_a_crash_after_the_psp_answered_is_resumed_by_the_retry(stack: Stack) -> None:
    invoice = await stack.import_fresh_invoice(PERSON)
    request = create_request(stack, invoice, str(uuid.uuid4()))
    port = free_port()
    env = stack.service_envs["payment"] | {
        "ROPO_FAULT": "payment_after_psp_create",
        "ROPO_PAYMENT_GRPC_PORT": str(port),
        "ROPO_PAYMENT_METRICS_PORT": "off",
    }
    doomed = ManagedProcess(
        [sys.executable, "-m", "ropo_payment", "serve"],
        log_path=stack.tmp_dir / "logs" / "payment-doomed.log",
        env=env,
    ).start()
    try:
        await wait_serving(f"127.0.0.1:{port}")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError):
                await stack.payment_stub(channel).CreatePayment(request, timeout=15)
        assert doomed.wait(timeout=15) == 137
    finally:
        doomed.terminate(timeout=5)

    payment = await retry_until_lease_expires(stack, request)
    again = await retry_until_lease_expires(stack, request)
    assert payment.payment_page_url and again.payment_page_url == payment.payment_page_url
    stamp = payment.name.removeprefix("payments/")
    counted = stack.psp("GET", f"/control/stamps/{stamp}").json()
    assert counted["transactions"] == 1
    assert counted["creates"] == 2  # the crashed call and the resumed one


async def retry_until_lease_expires(
    stack: Stack, request: payment_service_pb2.CreatePaymentRequest
) -> payment_pb2.Payment:
    for _ in range(100):
        async with grpc.aio.insecure_channel(str(stack.payment_addr)) as channel:
            try:
                response = await stack.payment_stub(channel).CreatePayment(request, timeout=15)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.ABORTED:
                    raise
                await asyncio.sleep(0.2)
                continue
        return response.payment
    raise AssertionError("the abandoned create was never taken over")


async def wait_serving(address: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        try:
            async with grpc.aio.insecure_channel(address) as channel:
                answer = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="ropo.payment.v1.PaymentService"),
                    timeout=1,
                )
            if answer.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.aio.AioRpcError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{address} not serving within {within}s")


async def test_a_bank_reference_payment_pays_the_invoice_and_an_unknown_one_is_unclear(
    stack: Stack,
) -> None:
    invoice = await stack.import_fresh_invoice(PERSON)
    amount = cents(invoice.open_amount)
    unknown_reference = "1232"  # valid check digit, no such invoice
    content = reference_payment_file(
        [(invoice.reference, amount), (unknown_reference, 1234)], date.today()
    )

    imported = await stack.import_statement(content)

    assert (imported.matched_count, imported.unclear_count) == (1, 1)
    assert cents(imported.total_amount) == amount + 1234
    matched = next(p for p in imported.bank_payments if p.invoice)
    assert matched.invoice == invoice.name and matched.reference == invoice.reference
    paid = await wait_for_invoice(stack, invoice.name, "paid")
    assert cents(paid.open_amount) == 0
    repeated = await stack.import_statement(content)
    assert (repeated.matched_count, repeated.duplicate_count) == (0, 2)
