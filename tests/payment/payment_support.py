"""Helpers of the payment tests: names, settings, a fake PSP, signed PSP queries,
invoice index rows, and a running gRPC server."""

from __future__ import annotations

import string
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc.aio
import sqlalchemy as sa
from google.type import money_pb2
from ropo.payment.v1 import payment_pb2, payment_service_pb2, payment_service_pb2_grpc
from ropo_payment.bootstrap import PaymentApp
from ropo_payment.config import DEV_PSP_ACCOUNT, DEV_PSP_SECRET, PaymentSettings
from ropo_payment.domain.psp import (
    PspCreatedPayment,
    PspPaymentRequest,
    PspPaymentStatus,
    PspStatus,
    signature,
)
from ropo_payment.service_layer.ports import ProviderRejected, ProviderUnavailable
from ropo_platform.db import Database, UtcDateTime
from ropo_platform.rpc import RpcServer

PSP_BASE_URL = "http://localhost:8090/psp"
RETURN_URL = "http://localhost:8080/maksu/paluu"
CREDITOR = "creditors/testi-yritys"
REGISTERED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def person(letter: str) -> str:
    """A well-formed ``persons/{key}`` (32 base32 characters)."""
    assert letter in string.ascii_lowercase
    return f"persons/{letter * 32}"


ALICE, BOB = person("a"), person("b")


def payment_settings(database_url: str, **overrides: Any) -> PaymentSettings:
    """Settings for a test: own database, ephemeral ports, no metrics servers."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": None,
        "worker_metrics_port": None,
        "environment": "test",
        "psp_base_url": PSP_BASE_URL,
    }
    values.update(overrides)
    return PaymentSettings(**values)


def new_request_id() -> str:
    return str(uuid.uuid4())


def eur(cents: int) -> money_pb2.Money:
    """``google.type.Money`` of ``cents`` euro cents."""
    return money_pb2.Money(
        currency_code="EUR", units=cents // 100, nanos=(cents % 100) * 10_000_000
    )


def create_request(
    items: dict[str, int],
    *,
    request_id: str | None = None,
    payer: str = ALICE,
    language: str = "fi",
) -> payment_service_pb2.CreatePaymentRequest:
    """A CreatePaymentRequest for ``{invoice_id: cents}``."""
    return payment_service_pb2.CreatePaymentRequest(
        request_id=request_id or new_request_id(),
        payer=payer,
        items=[
            payment_pb2.PaymentItem(invoice=f"invoices/{invoice_id}", amount=eur(cents))
            for invoice_id, cents in items.items()
        ],
        success_url=RETURN_URL,
        cancel_url=RETURN_URL,
        language_code=language,
    )


# --------------------------------------------------------------------------- the fake PSP


@dataclass
class FakeProvider:
    """An in-memory PSP with the sandbox's stamp rule: the same stamp always gets the
    same transaction. ``failures`` are raised by the next ``create_payment`` calls (in
    order); ``statuses`` script ``get_payment``; every call is recorded."""

    origin: str = "http://localhost:8090"
    failures: list[Exception] = field(default_factory=list)
    statuses: dict[str, PspStatus] = field(default_factory=dict)
    get_failures: list[Exception] = field(default_factory=list)
    created: list[PspPaymentRequest] = field(default_factory=list)
    queried: list[str] = field(default_factory=list)
    href_override: str = ""
    transactions: dict[str, str] = field(default_factory=dict)  # stamp -> transaction id
    requests: dict[str, PspPaymentRequest] = field(default_factory=dict)  # by transaction id

    async def create_payment(self, request: PspPaymentRequest) -> PspCreatedPayment:
        self.created.append(request)
        if self.failures:
            raise self.failures.pop(0)
        transaction_id = self.transactions.setdefault(request.stamp, str(uuid.uuid4()))
        self.requests[transaction_id] = request
        href = self.href_override or f"{self.origin}/psp/pay/{transaction_id}"
        return PspCreatedPayment(transaction_id=transaction_id, href=href)

    async def get_payment(self, transaction_id: str) -> PspPaymentStatus:
        self.queried.append(transaction_id)
        if self.get_failures:
            raise self.get_failures.pop(0)
        request = self.requests[transaction_id]
        status = self.statuses.get(transaction_id, PspStatus.NEW)
        return PspPaymentStatus(
            transaction_id=transaction_id,
            stamp=request.stamp,
            status=status,
            amount_minor=request.amount_minor,
            provider="nordea" if status is PspStatus.OK else "",
            paid_at=None,
        )

    def stamps(self) -> Counter[str]:
        """How many create calls each stamp got."""
        return Counter(request.stamp for request in self.created)

    def transaction_of(self, stamp: str) -> str:
        return self.transactions[stamp]


def unavailable() -> ProviderUnavailable:
    return ProviderUnavailable("PSP down")


def rejected() -> ProviderRejected:
    return ProviderRejected("400 invalid")


# --------------------------------------------------------------------------- signed queries


def signed_query(
    *,
    transaction_id: str,
    stamp: str,
    amount_minor: int,
    status: str = "ok",
    reference: str = "1232",
    provider: str = "nordea",
    account: str = DEV_PSP_ACCOUNT,
    secret: str = DEV_PSP_SECRET,
    algorithm: str = "sha256",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """A redirect/callback query as the PSP signs it (every ``checkout-*`` parameter)."""
    query = {
        "checkout-account": account,
        "checkout-algorithm": algorithm,
        "checkout-amount": str(amount_minor),
        "checkout-stamp": stamp,
        "checkout-reference": reference,
        "checkout-transaction-id": transaction_id,
        "checkout-status": status,
        "checkout-provider": provider,
        **(extra or {}),
    }
    query["signature"] = signature(query, "", secret, algorithm)
    return query


# --------------------------------------------------------------------------- database


_invoice_index = sa.table(
    "invoice_index",
    sa.column("invoice_id", sa.String()),
    sa.column("reference", sa.String()),
    sa.column("debtor_party", sa.String()),
    sa.column("creditor", sa.String()),
    sa.column("total_minor", sa.BigInteger()),
    sa.column("closed", sa.Boolean()),
    sa.column("updated_at", UtcDateTime()),
)


async def add_invoice(
    database: Database,
    invoice_id: str,
    *,
    reference: str = "1232",
    total_minor: int = 10_000,
    closed: bool = False,
    debtor: str = ALICE,
) -> None:
    """One row of the invoice index (as the invoice-event consumer writes it)."""
    async with database.transaction() as session:
        await session.execute(
            sa.insert(_invoice_index).values(
                invoice_id=invoice_id,
                reference=reference,
                debtor_party=debtor,
                creditor=CREDITOR,
                total_minor=total_minor,
                closed=closed,
                updated_at=REGISTERED,
            )
        )


async def outbox_events(database: Database, event_type: str) -> int:
    """How many outbox rows of ``event_type`` there are."""
    async with database.session() as session:
        count = await session.scalar(
            sa.text("SELECT count(*) FROM outbox WHERE event_type = :t"), {"t": event_type}
        )
    return int(count or 0)


async def psp_message_rows(database: Database) -> list[dict[str, Any]]:
    """The audit rows of PSP messages, oldest first."""
    async with database.session() as session:
        rows = await session.execute(
            sa.text(
                "SELECT kind, outcome, reason, status, transaction_id, amount_minor, query"
                " FROM psp_messages ORDER BY received_at"
            )
        )
        return [dict(row) for row in rows.mappings()]


# --------------------------------------------------------------------------- server


@dataclass
class RunningServer:
    """A started gRPC server with the service, and a client channel to it."""

    server: RpcServer
    channel: grpc.aio.Channel
    # The grpc.aio flavour of the stub; type-check-only, so only in this annotation.
    stub: payment_service_pb2_grpc.PaymentServiceAsyncStub
    app: PaymentApp


async def start_server(app: PaymentApp) -> tuple[RpcServer, grpc.aio.Channel]:
    server = RpcServer(service_name="payment", port=0)
    port = await server.start(app.register)
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")
