"""Authorization events against a real nats-server: invoice_paid / stage changes end
per-invoice authorizations, the outbox relay publishes ``authorization_granted`` /
``authorization_revoked`` on ``ROPO_AUTHORIZATION`` (without hetu or name), the expiry
sweep runs in the worker, and a durable made with the old single filter keeps working.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest_asyncio
from authorization_support import (
    ALICE,
    CREDITOR,
    GRANTEE_HETU,
    REGISTERED,
    ownership,
)
from google.protobuf import message as protobuf_message
from google.protobuf import timestamp_pb2
from nats.aio.client import Client
from nats.js import JetStreamContext
from ropo.authorization.v1 import authorization_pb2, events_pb2
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.invoice.v1 import invoice_pb2
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.domain.authorizations import AuthorizationState
from ropo_authorization.domain.subjects import Party
from ropo_authorization.entrypoints.events import (
    INVOICE_CONSUMER,
    INVOICE_PAID,
    INVOICE_REGISTERED,
    INVOICE_STAGE_CHANGED,
    INVOICE_STREAM,
)
from ropo_authorization.entrypoints.worker import STREAM, run_worker
from ropo_authorization.service_layer.handlers import GrantInvoiceAuthorization
from ropo_platform.messaging import connect_nats, ensure_consumer, ensure_stream
from ropo_platform.messaging.envelope import cloudevent_headers
from ropo_platform.national_id import NationalId
from ropo_platform.testing import NatsServer, eventually

NAME = "Bertta Valtuutettu"
GRANTED = "ropo.authorization.v1.authorization_granted"
REVOKED = "ropo.authorization.v1.authorization_revoked"


def stamp(value: datetime) -> timestamp_pb2.Timestamp:
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(value)
    return result


async def publish(js: JetStreamContext, event_type: str, message: protobuf_message.Message) -> None:
    headers = cloudevent_headers(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        source="/ropo/invoice",
        subject=getattr(message, "invoice"),  # noqa: B009 - every invoice event has one
        time=REGISTERED,
    )
    await js.publish(event_type, message.SerializeToString(), headers=headers)


@pytest_asyncio.fixture
async def producer_nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await connect_nats(nats_server.url, name="test-invoice-producer")
    await ensure_stream(nc.jetstream(), name=INVOICE_STREAM, subjects=["ropo.invoice.>"])
    try:
        yield nc
    finally:
        await nc.close()


async def start_worker(app: AuthorizationApp, url: str) -> tuple[asyncio.Event, asyncio.Task[None]]:
    app.settings.nats_url = url
    app.settings.expiry_sweep_interval = 0.1
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app, stop=stop, signals=(), poll_interval=0.05))
    return stop, task


@pytest_asyncio.fixture
async def worker(
    app: AuthorizationApp, nats_server: NatsServer, producer_nc: Client
) -> AsyncIterator[AuthorizationApp]:
    stop, task = await start_worker(app, nats_server.url)
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def authorization_events(js: JetStreamContext, count: int) -> list[tuple[str, bytes]]:
    """The first ``count`` messages on ROPO_AUTHORIZATION (subject, body)."""

    async def stored() -> int:
        try:
            return int((await js.stream_info(STREAM)).state.messages)
        except Exception:
            return 0

    await eventually(stored, lambda n: n >= count, within=20)
    found = []
    for seq in range(1, count + 1):
        message = await js.get_msg(STREAM, seq)
        found.append((message.subject or "", message.data or b""))
    return found


async def grant(app: AuthorizationApp, invoice: str, expire: date | None = None) -> str:
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.ownerships.add(ownership(invoice.removeprefix("invoices/")))
        await uow.commit()
    made = await app.handlers.grant_invoice_authorization(
        GrantInvoiceAuthorization(
            str(uuid.uuid4()),
            invoice,
            Party(ALICE),
            NationalId.parse(GRANTEE_HETU),
            NAME,
            expire,
        )
    )
    return made.id


async def state_of(app: AuthorizationApp, authorization_id: str) -> AuthorizationState | None:
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        found = await uow.authorizations.get(authorization_id)
    return found.state if found is not None else None


async def test_granted_event_on_the_stream_has_no_hetu_and_no_name(
    worker: AuthorizationApp, producer_nc: Client
) -> None:
    authorization_id = await grant(worker, "invoices/i1")
    ((subject, body),) = await authorization_events(producer_nc.jetstream(), 1)
    assert subject == GRANTED
    event = events_pb2.AuthorizationGranted.FromString(body)
    assert event.authorization == f"authorizations/{authorization_id}"
    assert (event.grantor, event.invoice, event.creator) == (ALICE, "invoices/i1", ALICE)
    assert event.type == authorization_pb2.AUTHORIZATION_TYPE_INVOICE
    for secret in (GRANTEE_HETU.encode(), b"010594", NAME.encode(), b"Bertta"):
        assert secret not in body


async def test_invoice_paid_ends_the_authorization_and_publishes_revoked(
    worker: AuthorizationApp, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()
    authorization_id = await grant(worker, "invoices/i1")
    paid_time = datetime(2026, 9, 20, 10, 0, tzinfo=UTC)
    await publish(
        js,
        INVOICE_PAID,
        invoice_events.InvoicePaid(
            invoice="invoices/i1",
            creditor=CREDITOR,
            debtor_party=ALICE,
            paid_time=stamp(paid_time),
        ),
    )
    await eventually(
        lambda: state_of(worker, authorization_id), lambda s: s is AuthorizationState.ENDED
    )
    (_, (subject, body)) = await authorization_events(js, 2)
    assert subject == REVOKED
    event = events_pb2.AuthorizationRevoked.FromString(body)
    assert event.authorization == f"authorizations/{authorization_id}"
    assert event.state == authorization_pb2.Authorization.STATE_ENDED
    assert event.revoker == ""
    assert event.revoke_time.ToDatetime(tzinfo=UTC) == paid_time
    async with SqlAlchemyUnitOfWork(worker.database, read_only=True) as uow:
        closed = await uow.ownerships.get("invoices/i1")
    assert closed is not None and closed.closed


async def test_cancelled_stage_ends_but_other_stages_do_not(
    worker: AuthorizationApp, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()
    reminded = await grant(worker, "invoices/i1")
    cancelled = await grant(worker, "invoices/i2")
    for invoice, state in (
        ("invoices/i1", invoice_pb2.Invoice.STATE_REMINDER),
        ("invoices/i2", invoice_pb2.Invoice.STATE_CANCELLED),
    ):
        await publish(
            js,
            INVOICE_STAGE_CHANGED,
            invoice_events.InvoiceStageChanged(
                invoice=invoice,
                previous_state=invoice_pb2.Invoice.STATE_INVOICE,
                state=state,
                change_time=stamp(REGISTERED + timedelta(days=3)),
                debtor_party=ALICE,
                creditor=CREDITOR,
            ),
        )
    await eventually(lambda: state_of(worker, cancelled), lambda s: s is AuthorizationState.ENDED)

    async def consumer_done() -> int:
        info = await js.consumer_info(INVOICE_STREAM, INVOICE_CONSUMER)
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    await eventually(consumer_done, lambda n: n == 0)
    assert await state_of(worker, reminded) is AuthorizationState.ACTIVE


async def test_expiry_sweep_in_the_worker_publishes_expired(
    app: AuthorizationApp, nats_server: NatsServer, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()
    # Granted yesterday with yesterday as the last day: past it now.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    app.handlers._clock = lambda: yesterday
    authorization_id = await grant(app, "invoices/i1", expire=yesterday.date())
    app.handlers._clock = lambda: datetime.now(UTC)
    stop, task = await start_worker(app, nats_server.url)
    try:
        await eventually(
            lambda: state_of(app, authorization_id), lambda s: s is AuthorizationState.EXPIRED
        )
        (_, (subject, body)) = await authorization_events(js, 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
    assert subject == REVOKED
    assert (
        events_pb2.AuthorizationRevoked.FromString(body).state
        == authorization_pb2.Authorization.STATE_EXPIRED
    )


async def test_durable_with_the_old_filter_takes_the_new_events_after_an_upgrade(
    app: AuthorizationApp, nats_server: NatsServer, producer_nc: Client
) -> None:
    js = producer_nc.jetstream()
    # What the previous release provisioned: only invoice_registered.
    await ensure_consumer(
        js, stream=INVOICE_STREAM, durable=INVOICE_CONSUMER, filter_subjects=[INVOICE_REGISTERED]
    )
    authorization_id = await grant(app, "invoices/i1")
    stop, task = await start_worker(app, nats_server.url)
    try:

        async def filters() -> list[str]:
            config = (await js.consumer_info(INVOICE_STREAM, INVOICE_CONSUMER)).config
            return sorted(config.filter_subjects or [config.filter_subject or ""])

        await eventually(filters, lambda f: INVOICE_PAID in f)
        await publish(
            js,
            INVOICE_PAID,
            invoice_events.InvoicePaid(
                invoice="invoices/i1",
                creditor=CREDITOR,
                debtor_party=ALICE,
                paid_time=stamp(REGISTERED + timedelta(days=5)),
            ),
        )
        await eventually(
            lambda: state_of(app, authorization_id), lambda s: s is AuthorizationState.ENDED
        )
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
