"""The worker against a real nats-server: authorization events in the invoice timeline.

The test plays the authorization service: it publishes ``authorization_granted`` and
``authorization_revoked`` with the CloudEvents headers its relay writes, on the
stream ``ROPO_AUTHORIZATION`` — which does not exist yet when the invoice worker
starts (the authorization worker creates it, and may start later). The entries are
read back through ``ListInvoiceEvents`` over gRPC, in fi/sv/en.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest_asyncio
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from google.type import date_pb2
from invoice_server_support import invoice_settings, start_server
from invoice_support import HETU_MATTI, finvoice_xml
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from ropo.authorization.v1 import authorization_pb2
from ropo.authorization.v1 import events_pb2 as authorization_events
from ropo.invoice.v1 import invoice_event_pb2, invoice_service_pb2, invoice_service_pb2_grpc
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.entrypoints.events import (
    AUTHORIZATION_CONSUMER,
    AUTHORIZATION_GRANTED,
    AUTHORIZATION_REVOKED,
    AUTHORIZATION_STREAM,
)
from ropo_invoice.entrypoints.worker import run_worker
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_platform.messaging import connect_nats, ensure_stream
from ropo_platform.messaging.envelope import NATS_MSG_ID, cloudevent_headers
from ropo_platform.testing import NatsServer, eventually

NOW = datetime(2026, 9, 10, 12, 0, tzinfo=UTC)
GRANTED = invoice_event_pb2.InvoiceEvent.TYPE_AUTHORIZATION_GRANTED
REVOKED = invoice_event_pb2.InvoiceEvent.TYPE_AUTHORIZATION_REVOKED
DEBTOR = "persons/debtor-key"
GRANTEE = "persons/grantee-key"


@dataclass
class Running:
    app: InvoiceApp
    nc: Client
    stub: invoice_service_pb2_grpc.InvoiceServiceAsyncStub


@pytest_asyncio.fixture
async def running(migrated_url: str, nats_server: NatsServer) -> AsyncIterator[Running]:
    # A clock before the due date: the collection run adds nothing to the timeline.
    app = bootstrap(invoice_settings(migrated_url, nats_url=nats_server.url), clock=lambda: NOW)
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    nc = await connect_nats(nats_server.url, name="authorization-test")
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(app, stop=stop, signals=(), poll_interval=0.05))
    try:
        yield Running(app, nc, invoice_service_pb2_grpc.InvoiceServiceStub(channel))
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await nc.close()
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()


def _stamp(when: datetime = NOW) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(when)
    return stamp


async def publish(nc: Client, event_type: str, message: Message, event_id: str) -> None:
    """Publish as the authorization relay does. A fresh ``Nats-Msg-Id`` every time, so
    that publishing an ``event_id`` again reaches the consumer (a redelivery after the
    stream's duplicate window) instead of being dropped by JetStream."""
    headers = cloudevent_headers(
        event_id=event_id,
        event_type=event_type,
        source="/ropo/authorization",
        subject="authorizations/a1",
        time=NOW,
    )
    headers[NATS_MSG_ID] = str(uuid.uuid4())
    await nc.jetstream().publish(event_type, message.SerializeToString(), headers=headers)


async def events(
    stub: invoice_service_pb2_grpc.InvoiceServiceAsyncStub, invoice: str, language: str = "fi"
) -> list[invoice_event_pb2.InvoiceEvent]:
    response = await stub.ListInvoiceEvents(
        invoice_service_pb2.ListInvoiceEventsRequest(invoice=invoice, language_code=language)
    )
    return list(response.invoice_events)


async def settled(nc: Client) -> bool:
    """True once the invoice worker's consumer has handled everything in the stream."""
    try:
        info = await nc.jetstream().consumer_info(AUTHORIZATION_STREAM, AUTHORIZATION_CONSUMER)
    except NotFoundError:
        return False
    return not info.num_pending and not info.num_ack_pending


async def dead_letters(app: InvoiceApp) -> list[str]:
    async with app.database.session() as session:
        rows = await session.execute(
            sa.text("SELECT error FROM dead_letter WHERE consumer = :c"),
            {"c": AUTHORIZATION_CONSUMER},
        )
        return [str(row[0]) for row in rows]


def granted(invoice: str, authorization: str = "authorizations/a1") -> Message:
    return authorization_events.AuthorizationGranted(
        authorization=authorization,
        type=authorization_pb2.AUTHORIZATION_TYPE_INVOICE,
        grantor=DEBTOR,
        grantee=GRANTEE,
        invoice=invoice,
        expire_date=date_pb2.Date(year=2026, month=12, day=31),
        creator=DEBTOR,
        grant_time=_stamp(),
    )


async def test_granted_and_revoked_appear_in_the_timeline_once(running: Running) -> None:
    app, nc, stub = running.app, running.nc, running.stub
    imported = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml(number="AUTH-1")))
    invoice = imported.invoice.resource_name

    # The authorization stream is not there yet, and the worker works anyway: the
    # invoice's own event goes out.
    async def unsent() -> int:
        async with app.database.session() as session:
            result = await session.execute(
                sa.text("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            )
            return int(result.scalar_one())

    await eventually(unsent, lambda count: count == 0, within=15)
    try:
        await nc.jetstream().stream_info(AUTHORIZATION_STREAM)
        raise AssertionError("the stream should not exist yet")
    except NotFoundError:
        pass

    # Now the authorization worker starts and publishes.
    await ensure_stream(
        nc.jetstream(), name=AUTHORIZATION_STREAM, subjects=["ropo.authorization.>"]
    )
    grant_id = str(uuid.uuid4())
    await publish(nc, AUTHORIZATION_GRANTED, granted(invoice), grant_id)

    timeline = await eventually(
        lambda: events(stub, invoice), lambda found: GRANTED in [e.type for e in found], within=20
    )
    entry = timeline[-1]
    assert entry.type == GRANTED
    assert (entry.title, entry.description) == ("Valtuutus annettu", "Voimassa 31.12.2026 asti")
    assert entry.event_time.ToDatetime(tzinfo=UTC) == NOW
    assert entry.name == f"{invoice}/events/2"
    assert not entry.HasField("amount")

    # A redelivery of the same event (inbox) and the same grant under a new event id
    # (timeline check) add nothing.
    await publish(nc, AUTHORIZATION_GRANTED, granted(invoice), grant_id)
    await publish(nc, AUTHORIZATION_GRANTED, granted(invoice), str(uuid.uuid4()))
    # A continuous authorization has no invoice: acknowledged, nothing written.
    continuous = authorization_events.AuthorizationGranted(
        authorization="authorizations/c1",
        type=authorization_pb2.AUTHORIZATION_TYPE_CONTINUOUS,
        grantor=DEBTOR,
        grantee=GRANTEE,
        creator="staffUsers/agent-1",
        grant_time=_stamp(),
    )
    await publish(nc, AUTHORIZATION_GRANTED, continuous, str(uuid.uuid4()))
    await eventually(lambda: settled(nc), bool, within=20)
    assert [e.type for e in await events(stub, invoice)].count(GRANTED) == 1
    assert await dead_letters(app) == []

    revoked = authorization_events.AuthorizationRevoked(
        authorization="authorizations/a1",
        type=authorization_pb2.AUTHORIZATION_TYPE_INVOICE,
        grantor=DEBTOR,
        grantee=GRANTEE,
        invoice=invoice,
        state=authorization_pb2.Authorization.STATE_REVOKED,
        revoker=DEBTOR,
        revoke_time=_stamp(datetime(2026, 9, 11, 8, 0, tzinfo=UTC)),
    )
    await publish(nc, AUTHORIZATION_REVOKED, revoked, str(uuid.uuid4()))
    await eventually(
        lambda: events(stub, invoice), lambda found: REVOKED in [e.type for e in found], within=20
    )

    worded = {}
    for language in ("fi", "sv", "en"):
        found = await events(stub, invoice, language)
        assert [e.type for e in found] == [
            invoice_event_pb2.InvoiceEvent.TYPE_IMPORTED,
            GRANTED,
            REVOKED,
        ]
        worded[language] = [(e.title, e.description) for e in found[1:]]
        for event in found:
            text = event.title + event.description
            assert "persons/" not in text and HETU_MATTI not in text
    assert worded == {
        "fi": [
            ("Valtuutus annettu", "Voimassa 31.12.2026 asti"),
            ("Valtuutus päättyi", "Valtuutus peruttu"),
        ],
        "sv": [
            ("Fullmakt given", "Gäller till och med 31.12.2026"),
            ("Fullmakten upphörde", "Fullmakten återkallades"),
        ],
        "en": [
            ("Authorization granted", "Valid until 31.12.2026"),
            ("Authorization ended", "The authorization was revoked"),
        ],
    }


async def test_unknown_invoice_is_dead_lettered(running: Running) -> None:
    app, nc = running.app, running.nc
    await ensure_stream(
        nc.jetstream(), name=AUTHORIZATION_STREAM, subjects=["ropo.authorization.>"]
    )
    await publish(nc, AUTHORIZATION_GRANTED, granted("invoices/unknown"), str(uuid.uuid4()))
    (error,) = await eventually(lambda: dead_letters(app), lambda found: len(found) == 1, within=20)
    assert "InvoiceNotFound" in error
    # The consumer goes on with the next event.
    imported = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml(number="AUTH-2")))
    invoice = imported.invoice.resource_name
    await publish(
        nc, AUTHORIZATION_GRANTED, granted(invoice, "authorizations/a2"), str(uuid.uuid4())
    )
    await eventually(
        lambda: events(running.stub, invoice),
        lambda found: GRANTED in [e.type for e in found],
        within=20,
    )
