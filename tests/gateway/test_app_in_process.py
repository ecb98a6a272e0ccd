"""The app in process against real gRPC servers on loopback (stand-ins for the peers):
trace context and request id flow gateway → gRPC, deadlines, and how peer errors look."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import httpx
import pytest
import pytest_asyncio
from google.type import date_pb2
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import SecretStr
from ropo.authorization.v1 import (
    access_pb2,
    authorization_service_pb2,
    authorization_service_pb2_grpc,
)
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, invoice_service_pb2_grpc
from ropo_gateway.app import create_app
from ropo_gateway.auth.model import Identity
from ropo_gateway.config import GatewaySettings
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR, Runtime
from ropo_platform.db import upgrade_to_head_async
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto

IDENTITY = Identity("d" * 32, "Maija Meikäläinen", "150385-****", "loa2")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@dataclass
class Peers(
    authorization_service_pb2_grpc.AuthorizationServiceServicer,
    invoice_service_pb2_grpc.InvoiceServiceServicer,
):
    """Both peers in one loopback server; records metadata, can fail or stall on demand."""

    metadata: list[dict[str, Any]] = field(default_factory=list)
    fail_with: grpc.StatusCode | None = None
    delay: float = 0.0

    async def ListAccessibleInvoices(self, request: Any, context: Any) -> Any:
        self.metadata.append(dict(context.invocation_metadata()))
        await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            await context.abort(self.fail_with, "peer says no to 150385-9024")
        assert request.subject == IDENTITY.subject
        return authorization_service_pb2.ListAccessibleInvoicesResponse(
            accessible_invoices=[
                access_pb2.AccessibleInvoice(
                    invoice="invoices/inv-1", reason=access_pb2.ACCESS_REASON_OWN
                )
            ]
        )

    async def ListInvoices(self, request: Any, context: Any) -> Any:
        return invoice_service_pb2.ListInvoicesResponse(
            invoices=[
                invoice_pb2.Invoice(
                    name=name,
                    invoice_number="20240017",
                    creditor_display_name="Testi-yritys Oy",
                    due_date=date_pb2.Date(year=2025, month=3, day=5),
                    state=invoice_pb2.Invoice.STATE_INVOICE,
                    display_status="Lasku",
                    open_amount=money_to_proto(Money("1696.32", "EUR")),
                    total_amount=money_to_proto(Money("1696.32", "EUR")),
                )
                for name in request.names
            ]
        )


@dataclass
class Running:
    client: httpx.AsyncClient
    peers: Peers
    runtime: Runtime


@pytest_asyncio.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    peers = Peers()
    server = grpc.aio.server()
    authorization_service_pb2_grpc.add_AuthorizationServiceServicer_to_server(peers, server)
    invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(peers, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head_async(url, DEFAULT_MIGRATIONS_DIR)
    settings = GatewaySettings(
        database_url=url,
        cookie_secure=False,
        invoice_addr=f"127.0.0.1:{port}",
        authorization_addr=f"127.0.0.1:{port}",
        rpc_timeout_seconds=0.5,
        person_key_secret=SecretStr("in-process-test-secret"),
    )
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            token, _ = await runtime.sessions.open_session(IDENTITY, None)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://localhost",
                cookies={"ropo_session": token},
            ) as client:
                yield Running(client, peers, runtime)
    finally:
        await server.stop(grace=None)


async def test_trace_and_request_id_reach_the_peers(
    running: Running, in_memory_spans: InMemorySpanExporter
) -> None:
    response = await running.client.get(
        "/api/myropo/v1/invoices?code=should-not-be-recorded",
        headers={"traceparent": TRACEPARENT, "x-request-id": "req-e2e-1"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "req-e2e-1"
    assert running.peers.metadata[-1]["x-request-id"] == "req-e2e-1"

    spans = in_memory_spans.get_finished_spans()
    servers = [span for span in spans if span.kind == SpanKind.SERVER]
    assert [span.name for span in servers] == ["GET /api/myropo/v1/invoices"]
    server = servers[0]
    assert format(server.context.trace_id, "032x") == TRACE_ID
    clients = [
        span
        for span in spans
        if span.kind == SpanKind.CLIENT and span.context.trace_id == server.context.trace_id
    ]
    methods = {span.name for span in clients}
    assert {
        "/ropo.authorization.v1.AuthorizationService/ListAccessibleInvoices",
        "/ropo.invoice.v1.InvoiceService/ListInvoices",
    } <= methods
    assert all(
        span.parent is not None and span.parent.span_id == server.context.span_id
        for span in clients
        if span.name.startswith("/ropo.")
    )
    recorded = " ".join(str(value) for span in spans for value in (span.attributes or {}).values())
    assert "should-not-be-recorded" not in recorded


async def test_dashboard_page_renders_the_peers_data(running: Running) -> None:
    page = await running.client.get("/")
    assert page.status_code == 200
    html = page.text.replace("\xa0", " ")
    assert "Tervetuloa!" in html and "Testi-yritys Oy" in html
    assert "<td>5.3.2025</td>" in html and "1 696,32 €" in html


async def test_a_stalled_peer_hits_the_deadline_and_reads_as_unavailable(running: Running) -> None:
    running.peers.delay = 2.0
    api = await running.client.get("/api/myropo/v1/invoices")
    assert api.status_code == 503
    assert api.json()["error"]["details"][0]["reason"] == "SERVICE_UNAVAILABLE"
    page = await running.client.get("/")
    assert page.status_code == 503 and "Yritä hetken kuluttua uudelleen" in page.text


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.INTERNAL, 500),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.UNAVAILABLE, 503),
    ],
)
async def test_peer_errors_become_aip193_bodies_without_personal_data(
    running: Running, code: grpc.StatusCode, status: int
) -> None:
    running.peers.fail_with = code
    api = await running.client.get("/api/myropo/v1/invoices")
    assert api.status_code == status
    error = api.json()["error"]
    assert set(error) == {"code", "status", "message", "details"}
    assert "150385-9024" not in api.text
    page = await running.client.get("/")
    assert page.status_code == status and "150385-9024" not in page.text
    assert page.headers["content-type"].startswith("text/html")
