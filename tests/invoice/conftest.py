"""Fixtures shared by the invoice service's tests.

The platform's fixtures (``database_url`` per backend, ``nats_server``,
``in_memory_spans``) come from ``ropo_platform.testing.pytest_plugin``, registered
by the root conftest. The fixtures here run the real service on a real database
(SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set) behind a real
gRPC server on a free port; one conftest for the whole area keeps module names
unique for mypy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from invoice_server_support import RunningServer, invoice_settings, start_server
from ropo.invoice.v1 import invoice_service_pb2_grpc
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_platform.db.migrations import upgrade_to_head_async


@pytest_asyncio.fixture
async def migrated_url(database_url: str) -> str:
    """A fresh database of the current backend, migrated to head."""
    await upgrade_to_head_async(database_url, migrations_dir())
    return database_url


@pytest_asyncio.fixture
async def app(migrated_url: str) -> AsyncIterator[InvoiceApp]:
    """The wired service on a migrated database."""
    service = bootstrap(invoice_settings(migrated_url))
    try:
        yield service
    finally:
        await service.close()


@pytest_asyncio.fixture
async def running(app: InvoiceApp) -> AsyncIterator[RunningServer]:
    """The service behind a real gRPC server (ready: the database is migrated)."""
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield RunningServer(
            server, channel, invoice_service_pb2_grpc.InvoiceServiceStub(channel), app
        )
    finally:
        await channel.close()
        await server.stop(grace=0.5)
