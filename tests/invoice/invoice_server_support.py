"""Helpers of the invoice integration tests (importable from test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
from ropo.invoice.v1 import invoice_service_pb2_grpc
from ropo_invoice.bootstrap import InvoiceApp
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
