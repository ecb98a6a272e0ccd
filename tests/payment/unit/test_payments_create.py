"""CreatePayment's recovery points (real SQLite, fake PSP, handlers called directly):
replay, REQUEST_ID_REUSED, in progress → ABORTED, PSP outage then a retry resuming
with the same stamp, lease take-over, PSP refusal stored, invoice checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from payment_support import (
    FakeProvider,
    add_invoice,
    create_request,
    payment_settings,
    rejected,
    unavailable,
)
from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_payment.bootstrap import PaymentApp, bootstrap
from ropo_payment.domain.payments import PaymentState
from ropo_payment.domain.psp import PspCreatedPayment, PspPaymentRequest
from ropo_payment.entrypoints import validation
from ropo_payment.service_layer.handlers import CreatePayment, ListPayments
from ropo_platform.errors import (
    Aborted,
    DomainError,
    FailedPrecondition,
    NotFound,
    Unavailable,
    ValidationFailed,
)
from sqlalchemy import text


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def service(
    migrated_url: str, fake_provider: FakeProvider, clock: Clock
) -> AsyncIterator[PaymentApp]:
    app = bootstrap(payment_settings(migrated_url), provider=fake_provider, clock=clock)
    await add_invoice(app.database, "inv-1", reference="1232")
    await add_invoice(app.database, "inv-2", reference="1245")
    await add_invoice(app.database, "inv-closed", closed=True)
    try:
        yield app
    finally:
        await app.close()


def command(items: dict[str, int], request_id: str | None = None) -> CreatePayment:
    return validation.create_payment_request(create_request(items, request_id=request_id))


async def create(app: PaymentApp, cmd: CreatePayment) -> pb.CreatePaymentResponse:
    return pb.CreatePaymentResponse.FromString(await app.handlers.create_payment(cmd))


async def test_first_call_creates_the_payment_at_the_psp(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    response = await create(service, command({"inv-1": 1525}))
    payment = response.payment
    stamp = payment.name.removeprefix("payments/")
    assert payment.state == payment.STATE_PENDING
    assert payment.provider_transaction_id == fake_provider.transaction_of(stamp)
    assert payment.payment_page_url.startswith("http://localhost:8090/psp/pay/")
    assert payment.items[0].reference == "1232"
    [sent] = fake_provider.created
    assert sent.stamp == stamp and sent.amount_minor == 1525 and sent.reference == "1232"
    assert sent.language == "FI"
    assert (
        sent.callback_success_url
        == sent.callback_cancel_url
        == ("http://localhost:8080/maksu/callback")
    )
    assert sent.customer_email == "maksut@myropo.invalid"


async def test_several_invoices_use_the_payment_id_as_reference(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    response = await create(service, command({"inv-1": 100, "inv-2": 250}))
    [sent] = fake_provider.created
    assert sent.amount_minor == 350
    assert sent.reference == response.payment.name.removeprefix("payments/")
    assert [item.unit_price_minor for item in sent.items] == [100, 250]


async def test_a_retry_replays_the_stored_response(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    cmd = command({"inv-1": 1525})
    first = await service.handlers.create_payment(cmd)
    again = await service.handlers.create_payment(cmd)
    assert again == first
    assert len(fake_provider.created) == 1


async def test_same_request_id_with_other_parameters_is_refused(service: PaymentApp) -> None:
    cmd = command({"inv-1": 1525})
    await service.handlers.create_payment(cmd)
    with pytest.raises(ValidationFailed) as raised:
        await service.handlers.create_payment(command({"inv-1": 1526}, cmd.request_id))
    assert raised.value.reason == "REQUEST_ID_REUSED"


async def test_a_concurrent_duplicate_is_aborted(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    original = fake_provider.create_payment

    async def slow(request: PspPaymentRequest) -> PspCreatedPayment:
        entered.set()
        await release.wait()
        return await original(request)

    fake_provider.create_payment = slow  # type: ignore[method-assign]
    cmd = command({"inv-1": 1525})
    first = asyncio.create_task(service.handlers.create_payment(cmd))
    await entered.wait()
    with pytest.raises(Aborted) as raised:
        await service.handlers.create_payment(cmd)
    assert raised.value.reason == "REQUEST_IN_PROGRESS"
    release.set()
    assert await first


async def test_psp_outage_then_retry_resumes_with_the_same_stamp(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    fake_provider.failures.append(unavailable())
    cmd = command({"inv-1": 1525})
    with pytest.raises(Unavailable) as raised:
        await service.handlers.create_payment(cmd)
    assert raised.value.reason == "PSP_UNAVAILABLE"
    # The lease was released: the retry does not wait for it to run out.
    response = await create(service, cmd)
    assert [request.stamp for request in fake_provider.created] == [
        response.payment.name.removeprefix("payments/")
    ] * 2
    assert response.payment.provider_transaction_id
    async with service.database.session() as session:
        count = await session.scalar(text("SELECT count(*) FROM payments"))
    assert count == 1


async def test_an_expired_lease_is_taken_over_with_its_payment(
    service: PaymentApp, fake_provider: FakeProvider, clock: Clock
) -> None:
    # A crash after the claim: the request stays started with its lease.
    cmd = command({"inv-1": 1525})
    claimed = await service.handlers._claim(cmd)
    assert not isinstance(claimed, bytes)
    payment, _lease = claimed
    with pytest.raises(Aborted):
        await service.handlers.create_payment(cmd)
    clock.advance(31)
    response = await create(service, cmd)
    assert response.payment.name == payment.name
    assert [request.stamp for request in fake_provider.created] == [payment.id]


async def test_psp_refusal_fails_the_payment_and_is_replayed(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    fake_provider.failures.append(rejected())
    cmd = command({"inv-1": 1525})
    for _ in range(2):
        with pytest.raises(FailedPrecondition) as raised:
            await service.handlers.create_payment(cmd)
        assert raised.value.reason == "PSP_REJECTED"
    assert len(fake_provider.created) == 1
    [payment] = (await service.handlers.list_payments(ListPayments(invoice_id="inv-1"))).payments
    assert payment.state is PaymentState.FAILED


async def test_a_page_outside_the_psp_origin_is_never_handed_out(
    service: PaymentApp, fake_provider: FakeProvider
) -> None:
    fake_provider.href_override = "http://localhost:8090.evil.example/pay/x"
    with pytest.raises(Unavailable):
        await service.handlers.create_payment(command({"inv-1": 1525}))


@pytest.mark.parametrize(
    ("items", "error", "reason"),
    [
        ({"inv-unknown": 100}, NotFound, "INVOICE_NOT_FOUND"),
        ({"inv-1": 100, "inv-closed": 100}, FailedPrecondition, "INVOICE_CLOSED"),
    ],
)
async def test_invoices_must_be_known_and_open(
    service: PaymentApp,
    fake_provider: FakeProvider,
    items: dict[str, int],
    error: type[DomainError],
    reason: str,
) -> None:
    with pytest.raises(error) as raised:
        await service.handlers.create_payment(command(items))
    assert raised.value.reason == reason
    assert fake_provider.created == []


async def test_an_invoice_with_a_confirmed_payment_cannot_be_paid_again(
    service: PaymentApp,
) -> None:
    response = await create(service, command({"inv-1": 1525}))
    payment_id = response.payment.name.removeprefix("payments/")
    async with service.database.transaction() as session:
        await session.execute(
            text("UPDATE payments SET state = 'succeeded' WHERE id = :id"), {"id": payment_id}
        )
    with pytest.raises(FailedPrecondition) as raised:
        await service.handlers.create_payment(command({"inv-2": 100, "inv-1": 1525}))
    assert raised.value.reason == "INVOICE_ALREADY_PAID"


async def test_finished_requests_are_pruned_after_a_day(service: PaymentApp, clock: Clock) -> None:
    cmd = command({"inv-1": 1525})
    await service.handlers.create_payment(cmd)
    assert await service.handlers.prune_requests() == 0
    clock.advance(24 * 3600 + 1)
    assert await service.handlers.prune_requests() == 1
