"""The worker role wired for real (nats-server, SQLite/PostgreSQL, a fake PSP): its
reconciler completes a payment whose callbacks never came, and the outbox relay
publishes payment_succeeded to the ROPO_PAYMENT stream."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client
from payment_support import FakeProvider, add_invoice, create_request, payment_settings
from ropo.payment.v1 import events_pb2
from ropo_payment.bootstrap import bootstrap
from ropo_payment.domain.payments import PaymentState
from ropo_payment.domain.psp import PspStatus
from ropo_payment.entrypoints import validation
from ropo_payment.entrypoints.worker import run_worker
from ropo_platform.testing.nats_server import NatsServer

pytestmark = pytest.mark.postgres


async def test_worker_reconciles_and_publishes(
    migrated_url: str, nats_server: NatsServer, nats_client: Client, fake_provider: FakeProvider
) -> None:
    settings = payment_settings(
        migrated_url,
        nats_url=nats_server.url,
        reconcile_interval_seconds=0.1,
        reconcile_after_seconds=0,
    )
    app = bootstrap(settings, provider=fake_provider)
    stop = asyncio.Event()
    worker: asyncio.Task[None] | None = None
    try:
        await add_invoice(app.database, "inv-1")
        created = await app.handlers.create_payment(
            validation.create_payment_request(create_request({"inv-1": 1525}))
        )
        assert created
        [stamp] = fake_provider.transactions
        fake_provider.statuses[fake_provider.transaction_of(stamp)] = PspStatus.OK
        subscription = await nats_client.subscribe("ropo.payment.v1.payment_succeeded")
        worker = asyncio.create_task(run_worker(app, stop=stop, signals=()))
        message = await subscription.next_msg(timeout=15)
        event = events_pb2.PaymentSucceeded.FromString(message.data)
        assert event.payment == f"payments/{stamp}"
        payment = await app.handlers.get_payment(stamp)
        assert payment.state is PaymentState.SUCCEEDED
    finally:
        stop.set()
        if worker is not None:
            await asyncio.wait_for(worker, timeout=15)
        await app.close()
