"""The gateway's gRPC clients for MyRopo against a stand-in invoice and authorization service
on loopback: the requests they build (views, oneofs, pages) and how failures come back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from ropo.authorization.v1 import (
    access_pb2,
    authorization_service_pb2,
    authorization_service_pb2_grpc,
)
from ropo.invoice.v1 import (
    invoice_event_pb2,
    invoice_pb2,
    invoice_service_pb2,
    invoice_service_pb2_grpc,
)
from ropo_gateway.clients.authorization import AuthorizationClient
from ropo_gateway.clients.invoices import InvoiceClient, InvoiceListQuery, InvoiceSearch
from ropo_gateway.errors import UpstreamError
from ropo_platform.errors import NotFound
from ropo_platform.rpc.errors import abort_with_error

Context = Any


@dataclass
class StandIn(
    invoice_service_pb2_grpc.InvoiceServiceServicer,
    authorization_service_pb2_grpc.AuthorizationServiceServicer,
):
    """Records every request; answers like the real services would."""

    requests: list[Any] = field(default_factory=list)

    async def ListInvoices(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.ListInvoicesResponse(
            invoices=[invoice_pb2.Invoice(name=name) for name in request.names[:1]],
            next_page_token="next",
        )

    async def GetInvoice(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.GetInvoiceResponse(
            invoice=invoice_pb2.Invoice(name=request.name, case_number="123456789012")
        )

    async def SearchInvoices(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.SearchInvoicesResponse(
            invoices=[invoice_pb2.Invoice(name="invoices/s1")]
        )

    async def LookupInvoice(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.WhichOneof("query") == "myropo_id" and request.myropo_id == "K7QMXP4D3HRT":
            return invoice_service_pb2.LookupInvoiceResponse(
                invoice=invoice_pb2.Invoice(name="invoices/found")
            )
        await abort_with_error(
            context,
            NotFound("INVOICE_LOOKUP_FAILED", "no invoice matches the given details"),
            domain="invoice.ropo",
        )
        raise AssertionError("unreachable")

    async def ListInvoiceEvents(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        page = int(request.page_token or "0")
        return invoice_service_pb2.ListInvoiceEventsResponse(
            invoice_events=[invoice_event_pb2.InvoiceEvent(title=f"event {page}")],
            next_page_token=str(page + 1) if page < 2 else "",
        )

    async def GetInvoiceDocument(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.GetInvoiceDocumentResponse(
            media_type="application/pdf", content=b"%PDF-1.7", filename="lasku-1.pdf"
        )

    async def CheckAccess(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        allowed = request.invoice == "invoices/mine"
        return authorization_service_pb2.CheckAccessResponse(
            allowed=allowed,
            reason="OWN_INVOICE" if allowed else "NO_RELATION",
            access_reason=(
                access_pb2.ACCESS_REASON_OWN if allowed else access_pb2.ACCESS_REASON_UNSPECIFIED
            ),
        )


@dataclass
class Clients:
    invoices: InvoiceClient
    authorization: AuthorizationClient
    stand_in: StandIn


@pytest_asyncio.fixture
async def clients() -> AsyncIterator[Clients]:
    stand_in = StandIn()
    server = grpc.aio.server()
    invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(stand_in, server)
    authorization_service_pb2_grpc.add_AuthorizationServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Clients(InvoiceClient(channel, 5.0), AuthorizationClient(channel, 5.0), stand_in)
    finally:
        await channel.close()
        await server.stop(grace=None)


async def test_list_invoices_passes_filters_and_tokens(clients: Clients) -> None:
    page = await clients.invoices.list_invoices(
        InvoiceListQuery(
            names=["invoices/a", "invoices/b"],
            closed_only=True,
            query="yritys",
            page_size=20,
            page_token="t1",
        ),
        "sv",
    )
    request = clients.stand_in.requests[-1]
    assert list(request.names) == ["invoices/a", "invoices/b"]
    assert request.closed_only and not request.open_only and request.query == "yritys"
    assert (request.page_size, request.page_token, request.language_code) == (20, "t1", "sv")
    assert request.view == invoice_service_pb2.INVOICE_VIEW_BASIC
    assert [invoice.name for invoice in page.invoices] == ["invoices/a"]
    assert page.next_page_token == "next"


async def test_get_invoice_asks_for_the_full_view(clients: Clients) -> None:
    invoice = await clients.invoices.get_invoice("invoices/a", "en")
    request = clients.stand_in.requests[-1]
    assert request.view == invoice_service_pb2.INVOICE_VIEW_FULL and request.language_code == "en"
    assert invoice.case_number == "123456789012"


async def test_lookups_use_the_right_oneof_and_misses_keep_their_reason(clients: Clients) -> None:
    found = await clients.invoices.lookup_by_myropo_id("K7QMXP4D3HRT", "fi")
    assert found.name == "invoices/found"
    with pytest.raises(UpstreamError) as raised:
        await clients.invoices.lookup_by_details("4711", "12 34561", "00100", "fi")
    request = clients.stand_in.requests[-1]
    assert request.WhichOneof("query") == "invoice_details"
    assert (
        request.invoice_details.invoice_number,
        request.invoice_details.reference,
        request.invoice_details.postal_code,
    ) == ("4711", "12 34561", "00100")
    error = raised.value.rpc_error
    assert error.code == grpc.StatusCode.NOT_FOUND and error.reason == "INVOICE_LOOKUP_FAILED"


async def test_timeline_follows_every_page(clients: Clients) -> None:
    events = await clients.invoices.list_invoice_events("invoices/a", "sv")
    assert [event.title for event in events] == ["event 0", "event 1", "event 2"]
    tokens = [request.page_token for request in clients.stand_in.requests]
    assert tokens == ["", "1", "2"]
    assert all(request.language_code == "sv" for request in clients.stand_in.requests)
    assert [e.title for e in await clients.invoices.list_invoice_events("invoices/a", "fi", 2)] == [
        "event 0",
        "event 1",
    ]


async def test_document_and_search(clients: Clients) -> None:
    document = await clients.invoices.get_invoice_document("invoices/a")
    assert (document.media_type, document.content, document.filename) == (
        "application/pdf",
        b"%PDF-1.7",
        "lasku-1.pdf",
    )
    assert clients.stand_in.requests[-1].invoice == "invoices/a"
    page = await clients.invoices.search_invoices(
        InvoiceSearch(case_number="123456789012", open_only=True, states=[2]), "fi"
    )
    request = clients.stand_in.requests[-1]
    assert request.case_number == "123456789012" and request.open_only
    assert list(request.states) == [2] and [i.name for i in page.invoices] == ["invoices/s1"]


async def test_check_access_asks_for_view_and_names_the_reason(clients: Clients) -> None:
    allowed = await clients.authorization.check_access("persons/k", "invoices/mine")
    assert allowed.allowed and allowed.reason == "OWN"
    request = clients.stand_in.requests[-1]
    assert request.action == access_pb2.ACTION_VIEW and request.subject == "persons/k"
    denied = await clients.authorization.check_access("persons/k", "invoices/other")
    assert not denied.allowed and denied.reason == ""
