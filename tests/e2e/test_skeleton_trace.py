"""One trace across the walking skeleton, recorded by an in-memory span exporter.

Invoice and authorization (gRPC servers and workers), and the gateway app run in this
process against a real nats-server and real SQLite files, so every span lands in one
exporter: the import's trace continues in authorization's consumer, and a MyRopo page
request is one trace from the gateway through both services down to their databases.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import httpx
import pytest_asyncio
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import SecretStr
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc
from ropo_authorization.adapters.migrations import migrations_dir as authorization_migrations
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.bootstrap import bootstrap as bootstrap_authorization
from ropo_authorization.config import AuthorizationSettings
from ropo_authorization.entrypoints.worker import run_worker as run_authorization_worker
from ropo_gateway.app import create_app
from ropo_gateway.auth.model import Identity
from ropo_gateway.config import GatewaySettings
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR, Runtime
from ropo_invoice.adapters.migrations import migrations_dir as invoice_migrations
from ropo_invoice.bootstrap import InvoiceApp
from ropo_invoice.bootstrap import bootstrap as bootstrap_invoice
from ropo_invoice.config import InvoiceSettings
from ropo_invoice.entrypoints.worker import run_worker as run_invoice_worker
from ropo_platform.config import Environment, ServiceSettings
from ropo_platform.db.migrations import upgrade_to_head_async
from ropo_platform.pseudonym import person_key
from ropo_platform.rpc import RpcServer, create_channel
from ropo_platform.testing import NatsServer, eventually, finished_spans
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.generator import generate
from ropo_sandbox.persons import person_by_id

SECRET = "trace-test-person-key-secret-0123456789abcdef"
INVOICE_SERVICE = "ropo.invoice.v1.InvoiceService"
AUTHORIZATION_SERVICE = "ropo.authorization.v1.AuthorizationService"


@dataclass
class Skeleton:
    invoice: InvoiceApp
    invoice_addr: str
    authorization: AuthorizationApp
    gateway: httpx.AsyncClient
    identity: Identity


_Settings = TypeVar("_Settings", bound=ServiceSettings)


def _settings(settings_class: type[_Settings], url: str, nats_url: str) -> _Settings:
    """A service's settings for this test: own database, shared NATS, ephemeral ports."""
    return settings_class(
        database_url=url,
        nats_url=nats_url,
        grpc_port=0,
        metrics_port=None,
        worker_metrics_port=None,
        person_key_secret=SecretStr(SECRET),
        environment=Environment.TEST,
    )


@pytest_asyncio.fixture
async def skeleton(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[Skeleton]:
    invoice_url = f"sqlite+aiosqlite:///{tmp_path / 'invoice.db'}"
    authorization_url = f"sqlite+aiosqlite:///{tmp_path / 'authorization.db'}"
    gateway_url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head_async(invoice_url, invoice_migrations())
    await upgrade_to_head_async(authorization_url, authorization_migrations())
    await upgrade_to_head_async(gateway_url, DEFAULT_MIGRATIONS_DIR)

    invoice = bootstrap_invoice(_settings(InvoiceSettings, invoice_url, nats_server.url))
    authorization = bootstrap_authorization(
        _settings(AuthorizationSettings, authorization_url, nats_server.url)
    )
    invoice_server = RpcServer(service_name="invoice", port=0)
    authorization_server = RpcServer(service_name="authorization", port=0)
    invoice_port = await invoice_server.start(invoice.register)
    authorization_port = await authorization_server.start(authorization.register)
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(run_invoice_worker(invoice, stop=stop, signals=(), poll_interval=0.05)),
        asyncio.create_task(
            run_authorization_worker(authorization, stop=stop, signals=(), poll_interval=0.05)
        ),
    ]
    person = person_by_id("maija-meikalainen")
    assert person is not None
    identity = Identity(
        person_key(person.hetu, SECRET.encode()),
        f"{person.given_name} {person.family_name}",
        "150385-****",
        "loa2",
    )
    app = create_app(
        GatewaySettings(
            database_url=gateway_url,
            cookie_secure=False,
            invoice_addr=f"127.0.0.1:{invoice_port}",
            authorization_addr=f"127.0.0.1:{authorization_port}",
            person_key_secret=SecretStr(SECRET),
        )
    )
    try:
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            token, _ = await runtime.sessions.open_session(identity, None)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://localhost",
                cookies={"ropo_session": token},
            ) as client:
                yield Skeleton(
                    invoice, f"127.0.0.1:{invoice_port}", authorization, client, identity
                )
    finally:
        stop.set()
        for worker in workers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker, timeout=15)
        await invoice_server.stop(grace=0.5)
        await authorization_server.stop(grace=0.5)
        await invoice.close()
        await authorization.close()


def _maija_finvoice() -> bytes:
    person = person_by_id("maija-meikalainen")
    assert person is not None
    mine = [i for i in generate(1, date.today()) if i.buyer.identifier == person.hetu]
    return finvoice_xml(mine[0])


def _of_trace(spans: Sequence[ReadableSpan], trace_id: int) -> list[ReadableSpan]:
    return [span for span in spans if span.context.trace_id == trace_id]


def _descends_from(
    span: ReadableSpan, ancestor: ReadableSpan, spans: Sequence[ReadableSpan]
) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        found = by_id.get(parent.span_id)
        parent = found.parent if found is not None else None
    return False


def _db_spans(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    keys = ("db.system", "db.system.name")
    return [s for s in spans if s.attributes and any(key in s.attributes for key in keys)]


async def test_consumer_span_of_invoice_registered_joins_the_import_trace(
    skeleton: Skeleton, in_memory_spans: InMemorySpanExporter
) -> None:
    tracer = trace.get_tracer("test")
    async with create_channel(skeleton.invoice_addr) as channel:
        stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        with tracer.start_as_current_span("creditor uploads a Finvoice") as root:
            response = await stub.ImportFinvoice(
                invoice_service_pb2.ImportFinvoiceRequest(
                    request_id="0b6b7f6e-6f55-4a47-9d43-2c5fd3e0c001",
                    finvoice_xml=_maija_finvoice(),
                )
            )
    trace_id = root.get_span_context().trace_id
    # An SDK span (the recording tracer provider made it): _descends_from can follow it.
    assert isinstance(root, ReadableSpan)
    assert response.invoice.name.startswith("invoices/")

    async def consumer_spans() -> list[ReadableSpan]:
        return [
            span
            for span in _of_trace(in_memory_spans.get_finished_spans(), trace_id)
            if span.kind == SpanKind.CONSUMER
        ]

    consumed = await eventually(consumer_spans, bool, within=20)
    spans = in_memory_spans.get_finished_spans()
    in_trace = _of_trace(spans, trace_id)
    import_server = [
        s
        for s in in_trace
        if s.kind == SpanKind.SERVER and s.name.endswith(f"{INVOICE_SERVICE}/ImportFinvoice")
    ]
    assert import_server, [s.name for s in in_trace]
    assert any(_descends_from(s, import_server[0], spans) for s in _db_spans(in_trace)), (
        "the import's database statements are not part of its trace"
    )
    assert all(_descends_from(span, root, spans) for span in consumed)
    assert any("invoice_registered" in span.name for span in consumed), [s.name for s in consumed]
    # What the consumer did (its database writes) hangs under its span, in the same trace.
    assert any(_descends_from(db, span, spans) for span in consumed for db in _db_spans(in_trace))

    # And the person now sees the invoice, by the same route the page takes.
    page = await eventually(
        lambda: skeleton.gateway.get("/api/myropo/v1/invoices"),
        lambda r: r.status_code == 200 and len(r.json()["invoices"]) == 1,
        within=10,
    )
    assert page.json()["invoices"][0]["name"] == response.invoice.name


async def test_a_myropo_page_is_one_trace_from_gateway_to_both_databases(
    skeleton: Skeleton, in_memory_spans: InMemorySpanExporter
) -> None:
    async with create_channel(skeleton.invoice_addr) as channel:
        stored = await invoice_service_pb2_grpc.InvoiceServiceStub(channel).ImportFinvoice(
            invoice_service_pb2.ImportFinvoiceRequest(
                request_id="0b6b7f6e-6f55-4a47-9d43-2c5fd3e0c002",
                finvoice_xml=_maija_finvoice(),
            )
        )
    await eventually(
        lambda: skeleton.gateway.get("/api/myropo/v1/invoices"),
        lambda r: r.status_code == 200 and len(r.json()["invoices"]) == 1,
        within=20,
    )
    in_memory_spans.clear()

    response = await skeleton.gateway.get("/api/myropo/v1/invoices")
    assert response.status_code == 200
    assert [i["name"] for i in response.json()["invoices"]] == [stored.invoice.name]

    expected_servers = {
        f"{AUTHORIZATION_SERVICE}/ListAccessibleInvoices",
        f"{INVOICE_SERVICE}/ListInvoices",
    }

    def servers_finished(spans: Sequence[ReadableSpan]) -> bool:
        ended = {s.name.lstrip("/") for s in spans if s.kind == SpanKind.SERVER}
        return expected_servers <= ended

    spans = await finished_spans(in_memory_spans, servers_finished)
    roots = [s for s in spans if s.kind == SpanKind.SERVER and s.parent is None]
    assert [s.name for s in roots] == ["GET /api/myropo/v1/invoices"], [s.name for s in spans]
    page = roots[0]
    in_trace = _of_trace(spans, page.context.trace_id)
    # Nothing else was recorded meanwhile: the workers' idle polling leaves no spans.
    assert [s.name for s in spans if s not in in_trace] == []

    for service, method in (
        (AUTHORIZATION_SERVICE, "ListAccessibleInvoices"),
        (INVOICE_SERVICE, "ListInvoices"),
    ):
        full = f"{service}/{method}"
        client = [s for s in in_trace if s.kind == SpanKind.CLIENT and s.name.endswith(full)]
        server = [s for s in in_trace if s.kind == SpanKind.SERVER and s.name.endswith(full)]
        assert client and server, f"{full}: {[s.name for s in in_trace]}"
        assert _descends_from(client[0], page, spans)
        assert server[0].parent is not None
        assert server[0].parent.span_id == client[0].context.span_id
        queries = [db for db in _db_spans(in_trace) if _descends_from(db, server[0], spans)]
        assert queries, f"no database span under {full}"
