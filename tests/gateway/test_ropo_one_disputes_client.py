"""The gateway's dispute client against a stand-in ``InvoiceService`` on loopback: the
requests it builds (amounts, outcomes, states, dates, attachments), how the answers are mapped
(money, states, names, file facts, times) and how refusals come back (reason, violations)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from google.protobuf.timestamp_pb2 import Timestamp
from ropo.invoice.v1 import (
    dispute_pb2,
    invoice_pb2,
    invoice_service_pb2,
    invoice_service_pb2_grpc,
    letter_pb2,
)
from ropo_gateway.clients.disputes import (
    AttachmentUpload,
    DisputeClient,
    DisputeOrder,
    DisputeOutcome,
    DisputeState,
    MonitoringOrder,
    Resolution,
    dispute_name,
    split_dispute_name,
)
from ropo_gateway.errors import UpstreamError
from ropo_platform.errors import FailedPrecondition, FieldViolation, NotFound, ValidationFailed
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto
from ropo_platform.rpc.errors import abort_with_error

Context = Any
DOMAIN = "invoice.ropo"
NAME = "invoices/inv-1/disputes/0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def dispute_message(
    state: int = dispute_pb2.Dispute.STATE_OPEN, amount: str | None = "100.00"
) -> dispute_pb2.Dispute:
    message = dispute_pb2.Dispute(
        name=NAME,
        state=state,  # type: ignore[arg-type]
        reason="Tuote ei vastannut tilausta.",
        attachment_filenames=["kuitti.pdf", "kuva.png"],
        attachment_media_types=["application/pdf", "image/png"],
        attachment_sizes=[1234, 56789],
        disputer="persons/" + "a" * 64,
        create_time=Timestamp(seconds=1_741_597_200),
    )
    if amount is not None:
        message.disputed_amount.CopyFrom(money_to_proto(Money(amount, "EUR")))
    return message


@dataclass
class StandIn(invoice_service_pb2_grpc.InvoiceServiceServicer):
    requests: list[Any] = field(default_factory=list)

    async def DisputeInvoice(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if not request.reason:
            await abort_with_error(
                context,
                ValidationFailed([FieldViolation("reason", "is required")]),
                domain=DOMAIN,
            )
        if request.invoice == "invoices/disputed":
            await abort_with_error(
                context, FailedPrecondition("DISPUTE_ALREADY_OPEN", "already open"), domain=DOMAIN
            )
        return invoice_service_pb2.DisputeInvoiceResponse(
            dispute=dispute_message(),
            invoice=invoice_pb2.Invoice(
                name=request.invoice, state=invoice_pb2.Invoice.STATE_DISPUTED
            ),
        )

    async def ResolveDispute(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        resolved = dispute_message(state=dispute_pb2.Dispute.STATE_PARTIALLY_ACCEPTED)
        if request.HasField("credited_amount"):
            resolved.credited_amount.CopyFrom(request.credited_amount)
        resolved.resolver = request.actor
        resolved.resolution_message = request.message
        resolved.resolve_time.CopyFrom(Timestamp(seconds=1_741_683_600))
        return invoice_service_pb2.ResolveDisputeResponse(
            dispute=resolved, invoice=invoice_pb2.Invoice(name="invoices/inv-1")
        )

    async def ListDisputes(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.page_token == "":
            return invoice_service_pb2.ListDisputesResponse(
                disputes=[dispute_message(amount=None)], next_page_token="2"
            )
        return invoice_service_pb2.ListDisputesResponse(
            disputes=[dispute_message(state=dispute_pb2.Dispute.STATE_REJECTED)]
        )

    async def GetDisputeAttachment(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.index > 1:
            await abort_with_error(context, NotFound("DISPUTE_ATTACHMENT_NOT_FOUND"), domain=DOMAIN)
        return invoice_service_pb2.GetDisputeAttachmentResponse(
            attachment=dispute_pb2.DisputeAttachment(
                filename="kuitti.pdf", media_type="application/pdf", content=b"%PDF-1.4"
            )
        )

    async def StartPaymentMonitoring(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return invoice_service_pb2.StartPaymentMonitoringResponse(
            invoice=invoice_pb2.Invoice(
                name=request.invoice, state=invoice_pb2.Invoice.STATE_PAYMENT_MONITORING
            ),
            letter=letter_pb2.Letter(
                name=f"{request.invoice}/letters/l-1",
                type=letter_pb2.LETTER_TYPE_PAYMENT_MONITORING_LETTER,
            ),
        )


@dataclass
class Running:
    client: DisputeClient
    stand_in: StandIn


@pytest_asyncio.fixture
async def running() -> AsyncIterator[Running]:
    stand_in = StandIn()
    server = grpc.aio.server()
    invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Running(DisputeClient(channel, 5.0), stand_in)
    finally:
        await channel.close()
        await server.stop(grace=None)


def test_names_are_split_and_built() -> None:
    assert split_dispute_name(NAME) == ("inv-1", "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b")
    assert dispute_name("inv-1", "d-1") == "invoices/inv-1/disputes/d-1"
    for malformed in (
        "",
        "invoices/inv-1",
        "invoices/inv-1/disputes/",
        "x/disputes/y",
        NAME + "/z",
    ):
        assert split_dispute_name(malformed) == ("", "")


async def test_a_dispute_sends_the_amount_and_files_and_maps_the_answer(running: Running) -> None:
    result = await running.client.dispute_invoice(
        DisputeOrder(
            request_id="r1",
            invoice="invoices/inv-1",
            actor="persons/k",
            reason="Väärä summa",
            disputed_amount=Money("100.00", "EUR"),
            attachments=[
                AttachmentUpload("kuitti.pdf", "application/pdf", b"%PDF-1.4"),
                ("kuva.png", "image/png", b"\x89PNG"),
            ],
        )
    )
    request = running.stand_in.requests[-1]
    assert (request.request_id, request.invoice, request.actor, request.reason) == (
        "r1",
        "invoices/inv-1",
        "persons/k",
        "Väärä summa",
    )
    assert (request.disputed_amount.units, request.disputed_amount.nanos) == (100, 0)
    assert [(a.filename, a.media_type, a.content) for a in request.attachments] == [
        ("kuitti.pdf", "application/pdf", b"%PDF-1.4"),
        ("kuva.png", "image/png", b"\x89PNG"),
    ]
    dispute = result.dispute
    assert (dispute.invoice_id, dispute.dispute_id) == (
        "inv-1",
        "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    )
    assert dispute.invoice == "invoices/inv-1"
    assert dispute.state is DisputeState.OPEN and dispute.open
    assert dispute.disputed_amount == Money("100.00", "EUR")
    assert [(a.filename, a.media_type, a.size) for a in dispute.attachments] == [
        ("kuitti.pdf", "application/pdf", 1234),
        ("kuva.png", "image/png", 56789),
    ]
    assert dispute.create_time == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert dispute.resolve_time is None and dispute.credited_amount is None
    assert result.invoice.state == invoice_pb2.Invoice.STATE_DISPUTED


async def test_a_whole_invoice_dispute_leaves_the_amount_unset(running: Running) -> None:
    await running.client.dispute_invoice(
        DisputeOrder(request_id="r1", invoice="invoices/inv-1", actor="persons/k", reason="x")
    )
    assert not running.stand_in.requests[-1].HasField("disputed_amount")


async def test_refusals_keep_their_reason_and_violations(running: Running) -> None:
    with pytest.raises(UpstreamError) as missing_reason:
        await running.client.dispute_invoice(
            DisputeOrder(request_id="r1", invoice="invoices/inv-1", actor="persons/k", reason="")
        )
    error = missing_reason.value.rpc_error
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == ["reason"]
    with pytest.raises(UpstreamError) as already:
        await running.client.dispute_invoice(
            DisputeOrder(request_id="r2", invoice="invoices/disputed", actor="p", reason="x")
        )
    assert already.value.rpc_error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert already.value.rpc_error.reason == "DISPUTE_ALREADY_OPEN"


async def test_a_resolution_sends_the_outcome_and_amount(running: Running) -> None:
    result = await running.client.resolve_dispute(
        Resolution(
            request_id="r1",
            name=NAME,
            actor="staffUsers/aino",
            outcome=DisputeOutcome.PARTIALLY_ACCEPTED,
            message="Osa hyvitetään.",
            credited_amount=Money("12.50", "EUR"),
        )
    )
    request = running.stand_in.requests[-1]
    assert request.outcome == invoice_service_pb2.DISPUTE_OUTCOME_PARTIALLY_ACCEPTED
    assert (request.credited_amount.units, request.credited_amount.nanos) == (12, 500000000)
    assert (request.name, request.actor, request.message) == (
        NAME,
        "staffUsers/aino",
        "Osa hyvitetään.",
    )
    assert result.dispute.state is DisputeState.PARTIALLY_ACCEPTED
    assert result.dispute.credited_amount == Money("12.50", "EUR")
    assert result.dispute.resolver == "staffUsers/aino"
    assert result.dispute.resolve_time == datetime(2025, 3, 11, 9, 0, tzinfo=UTC)
    await running.client.resolve_dispute(
        Resolution("r2", NAME, "staffUsers/aino", DisputeOutcome.REJECTED, "Ei.")
    )
    rejected = running.stand_in.requests[-1]
    assert rejected.outcome == invoice_service_pb2.DISPUTE_OUTCOME_REJECTED
    assert not rejected.HasField("credited_amount")


async def test_lists_pass_states_and_follow_pages(running: Running) -> None:
    page = await running.client.list_disputes(
        invoice="invoices/inv-1", states=[DisputeState.OPEN], page_size=5000
    )
    request = running.stand_in.requests[-1]
    assert request.invoice == "invoices/inv-1"
    assert list(request.states) == [dispute_pb2.Dispute.STATE_OPEN]
    assert request.page_size == 1000  # the service's largest page
    assert page.next_page_token == "2"
    assert page.disputes[0].disputed_amount is None and page.disputes[0].whole_invoice
    everything = await running.client.all_disputes(states=[DisputeState.OPEN])
    assert [item.state for item in everything] == [DisputeState.OPEN, DisputeState.REJECTED]


async def test_an_attachment_and_a_missing_one(running: Running) -> None:
    file = await running.client.get_dispute_attachment(NAME, 0)
    assert (file.filename, file.media_type, file.content) == (
        "kuitti.pdf",
        "application/pdf",
        b"%PDF-1.4",
    )
    request = running.stand_in.requests[-1]
    assert (request.dispute, request.index) == (NAME, 0)
    with pytest.raises(UpstreamError) as missing:
        await running.client.get_dispute_attachment(NAME, 5)
    assert missing.value.rpc_error.code == grpc.StatusCode.NOT_FOUND


async def test_payment_monitoring_sends_the_judgment(running: Running) -> None:
    result = await running.client.start_payment_monitoring(
        MonitoringOrder(
            request_id="r1",
            invoice="invoices/inv-1",
            actor="staffUsers/aino",
            judgment_date=date(2025, 3, 1),
            judgment_reference="Helsingin käräjäoikeus L 27/1234",
        )
    )
    request = running.stand_in.requests[-1]
    assert (request.judgment_date.year, request.judgment_date.month, request.judgment_date.day) == (
        2025,
        3,
        1,
    )
    assert request.judgment_reference == "Helsingin käräjäoikeus L 27/1234"
    assert result.invoice.state == invoice_pb2.Invoice.STATE_PAYMENT_MONITORING
    assert result.letter.type == letter_pb2.LETTER_TYPE_PAYMENT_MONITORING_LETTER
