"""Helpers of the invoice integration tests (importable from test modules)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import grpc
import grpc.aio
from ropo.invoice.v1 import invoice_service_pb2_grpc
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.config import InvoiceSettings
from ropo_platform.rpc import RpcServer

PERSON_KEY_SECRET = "integration-test-person-key-secret-0123456789"


def invoice_settings(database_url: str, **overrides: Any) -> InvoiceSettings:
    """Settings for a test: own database, ephemeral ports, no metrics server."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": None,
        "worker_metrics_port": None,
        "person_key_secret": PERSON_KEY_SECRET,
        "environment": "test",
        # Lookup padding is tested on its own; elsewhere it would only slow the tests down.
        "lookup_min_duration": 0.0,
    }
    values.update(overrides)
    return InvoiceSettings(**values)


@dataclass
class RunningServer:
    """A started gRPC server and a client channel to it."""

    server: RpcServer
    channel: grpc.aio.Channel
    # The grpc.aio flavour of the stub (what the generated stub's constructor returns for an
    # aio channel); type-check-only, so it is named only in this (unevaluated) annotation.
    stub: invoice_service_pb2_grpc.InvoiceServiceAsyncStub
    app: InvoiceApp


async def start_server(app: InvoiceApp) -> tuple[RpcServer, grpc.aio.Channel]:
    server = RpcServer(service_name="invoice", port=0)
    port = await server.start(app.register)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return server, channel


class SettableClock:
    """A UTC clock the test moves; the service reads it (``clock=`` of ``bootstrap``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date) -> None:
        """Early morning of ``day``, when the daily run would come."""
        self.now = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


@asynccontextmanager
async def running_server(
    database_url: str, clock: Callable[[], datetime] | None = None, **overrides: Any
) -> AsyncIterator[RunningServer]:
    """The invoice service on ``database_url`` (migrated) with ``clock``, served and ready."""
    settings = invoice_settings(database_url, **overrides)
    app = bootstrap(settings) if clock is None else bootstrap(settings, clock=clock)
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield RunningServer(
            server, channel, invoice_service_pb2_grpc.InvoiceServiceStub(channel), app
        )
    finally:
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()
