"""Helpers of the chat tests: names, settings, requests, the peer stand-ins (small gRPC
servers answering as the authorization and invoice services would) and a running chat
server."""

from __future__ import annotations

import asyncio
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import grpc
import grpc.aio
import pytest
import sqlalchemy as sa
from google.type import date_pb2, money_pb2
from ropo.authorization.v1 import access_pb2
from ropo.authorization.v1 import authorization_service_pb2 as authorization_pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as authorization_grpc
from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import chat_service_pb2_grpc
from ropo.invoice.v1 import invoice_pb2, payment_time_pb2
from ropo.invoice.v1 import invoice_service_pb2 as invoice_pb
from ropo.invoice.v1 import invoice_service_pb2_grpc as invoice_grpc
from ropo_chat.bootstrap import ChatApp
from ropo_chat.config import ChatSettings
from ropo_platform.db import Database
from ropo_platform.money import Money
from ropo_platform.rpc import RpcError, RpcServer
from ropo_platform.testing import free_port


def person(letter: str) -> str:
    """A well-formed ``persons/{key}`` (32 base32 characters)."""
    assert letter in string.ascii_lowercase
    return f"persons/{letter * 32}"


ALICE, BOB = person("a"), person("b")
VISITOR = "visitors/v-7f3a9c"
AGENT, AGENT_2 = "staffUsers/anna", "staffUsers/bertil"
HETU = "131052-308T"


def new_request_id() -> str:
    return str(uuid.uuid4())


def chat_settings(database_url: str, **overrides: Any) -> ChatSettings:
    """Settings for a test: own database, ephemeral ports, no metrics servers, and a NATS
    address where nothing listens unless the test says otherwise."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": None,
        "worker_metrics_port": None,
        "environment": "test",
        "nats_url": f"nats://127.0.0.1:{free_port()}",
    }
    values.update(overrides)
    return ChatSettings(**values)


# --------------------------------------------------------------------------- requests


def start(
    customer: str = ALICE, language: str = "fi", invoice: str = "", request_id: str = ""
) -> pb.StartConversationRequest:
    return pb.StartConversationRequest(
        request_id=request_id or new_request_id(),
        customer=customer,
        language_code=language,
        invoice=invoice,
    )


def post(
    conversation: str,
    text: str,
    sender: str = ALICE,
    *,
    display_name: str = "",
    language: str = "",
    request_id: str = "",
) -> pb.PostMessageRequest:
    return pb.PostMessageRequest(
        request_id=request_id or new_request_id(),
        conversation=conversation,
        sender=sender,
        sender_display_name=display_name,
        text=text,
        language_code=language,
    )


def claim(conversation: str, agent: str = AGENT, name: str = "Anna") -> pb.ClaimConversationRequest:
    return pb.ClaimConversationRequest(
        request_id=new_request_id(), conversation=conversation, agent=agent, agent_display_name=name
    )


def close(conversation: str, actor: str) -> pb.CloseConversationRequest:
    return pb.CloseConversationRequest(
        request_id=new_request_id(), conversation=conversation, actor=actor
    )


async def call_error(call: Any) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return RpcError.from_aio(raised.value)


async def count_rows(database: Database, sql: str, **params: Any) -> int:
    async with database.session() as session:
        value = await session.scalar(sa.text(sql), params)
    return int(value or 0)


# --------------------------------------------------------------------------- peer stand-ins


@dataclass(frozen=True)
class InvoiceData:
    name: str
    number: str
    creditor: str
    open_amount: Money
    due: date
    extension: bool = True
    plan: bool = False


def _money(value: Money) -> money_pb2.Money:
    units, nanos = value.to_units_nanos()
    return money_pb2.Money(currency_code=value.currency, units=units, nanos=nanos)


class AuthorizationStandIn(authorization_grpc.AuthorizationServiceServicer):
    """Answers ``ListAccessibleInvoices`` from a table of subject → invoice names."""

    def __init__(self) -> None:
        self.accessible: dict[str, list[str]] = {}
        self.subjects: list[str] = []
        self.fail_with: grpc.StatusCode | None = None

    async def ListAccessibleInvoices(
        self, request: authorization_pb.ListAccessibleInvoicesRequest, context: Any
    ) -> authorization_pb.ListAccessibleInvoicesResponse:
        self.subjects.append(request.subject)
        if self.fail_with is not None:
            await context.abort(self.fail_with, "stand-in failure")
        return authorization_pb.ListAccessibleInvoicesResponse(
            accessible_invoices=[
                access_pb2.AccessibleInvoice(invoice=name, reason=access_pb2.ACCESS_REASON_OWN)
                for name in sorted(self.accessible.get(request.subject, []))
            ]
        )


class InvoiceStandIn(invoice_grpc.InvoiceServiceServicer):
    """Answers ``GetInvoice`` and ``GetPaymentTimeOptions`` for every invoice it knows."""

    def __init__(self) -> None:
        self.invoices: dict[str, InvoiceData] = {}
        self.delay_seconds = 0.0

    async def GetInvoice(
        self, request: invoice_pb.GetInvoiceRequest, context: Any
    ) -> invoice_pb.GetInvoiceResponse:
        await asyncio.sleep(self.delay_seconds)
        data = self.invoices.get(request.name)
        if data is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such invoice")
        assert data is not None
        return invoice_pb.GetInvoiceResponse(
            invoice=invoice_pb2.Invoice(
                name=data.name,
                invoice_number=data.number,
                creditor_display_name=data.creditor,
                open_amount=_money(data.open_amount),
                due_date=date_pb2.Date(year=data.due.year, month=data.due.month, day=data.due.day),
            )
        )

    async def GetPaymentTimeOptions(
        self, request: invoice_pb.GetPaymentTimeOptionsRequest, context: Any
    ) -> invoice_pb.GetPaymentTimeOptionsResponse:
        data = self.invoices[request.invoice]
        return invoice_pb.GetPaymentTimeOptionsResponse(
            due_date_extension=payment_time_pb2.DueDateExtensionOption(available=data.extension),
            payment_plan=payment_time_pb2.PaymentPlanOption(available=data.plan),
        )


@dataclass
class Peers:
    """Both stand-ins behind one real gRPC server on loopback."""

    authorization: AuthorizationStandIn
    invoices: InvoiceStandIn
    server: RpcServer
    address: str


ALICE_OPEN = InvoiceData(
    "invoices/inv-a1", "A-1001", "Laskuttaja Oy", Money.eur("120.50"), date(2027, 2, 1)
)
ALICE_PAID = InvoiceData(
    "invoices/inv-a2", "A-1002", "Laskuttaja Oy", Money.eur("0"), date(2026, 12, 1)
)
BOB_OPEN = InvoiceData(
    "invoices/inv-b1", "B-9999", "Toinen Velkoja Oy", Money.eur("999.00"), date(2027, 1, 20)
)


async def start_peers() -> Peers:
    """The stand-ins with ALICE's two invoices and BOB's one (the invoice stand-in knows all
    three; the authorization stand-in lists each person's own only)."""
    authorization = AuthorizationStandIn()
    invoices = InvoiceStandIn()
    for data in (ALICE_OPEN, ALICE_PAID, BOB_OPEN):
        invoices.invoices[data.name] = data
    authorization.accessible = {
        ALICE: [ALICE_OPEN.name, ALICE_PAID.name],
        BOB: [BOB_OPEN.name],
    }

    def register(server: Any) -> Sequence[str]:
        authorization_grpc.add_AuthorizationServiceServicer_to_server(authorization, server)
        invoice_grpc.add_InvoiceServiceServicer_to_server(invoices, server)
        return ["ropo.authorization.v1.AuthorizationService", "ropo.invoice.v1.InvoiceService"]

    server = RpcServer(service_name="peers", port=0)
    port = await server.start(register)
    return Peers(authorization, invoices, server, f"127.0.0.1:{port}")


# --------------------------------------------------------------------------- chat server


@dataclass
class RunningChat:
    """A started chat gRPC server, a client channel to it, and the peers it asks."""

    server: RpcServer
    channel: grpc.aio.Channel
    # The grpc.aio flavour of the stub; type-check-only, so only in this annotation.
    stub: chat_service_pb2_grpc.ChatServiceAsyncStub
    app: ChatApp
    peers: Peers | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def start_chat(app: ChatApp, peers: Peers | None = None) -> RunningChat:
    server = RpcServer(service_name="chat", port=0)
    port = await server.start(app.register)
    await server.wait_until_ready(app.readiness)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return RunningChat(server, channel, chat_service_pb2_grpc.ChatServiceStub(channel), app, peers)


async def stop_chat(running: RunningChat) -> None:
    await running.channel.close()
    await running.server.stop(grace=0.5)
