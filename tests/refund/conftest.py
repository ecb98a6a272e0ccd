"""Fixtures of the refund service's tests.

The platform's fixtures (``database_url`` per backend, ``nats_server``) come from
``ropo_platform.testing.pytest_plugin`` (root conftest). These run the real service on
a real database (SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set)
behind a real gRPC server.

- ``migrated_url``: a fresh database of the current backend, migrated to head;
- ``app``: the wired service on it;
- ``running``: ``app`` behind a real gRPC server, with a stub.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from refund_support import RunningServer, refund_settings, start_server
from ropo.refund.v1 import refund_service_pb2_grpc
from ropo_platform.db.migrations import upgrade_to_head_async
from ropo_refund.adapters.migrations import migrations_dir
from ropo_refund.bootstrap import RefundApp, bootstrap


@pytest_asyncio.fixture
async def migrated_url(database_url: str) -> str:
    """A fresh database of the current backend, migrated to head."""
    await upgrade_to_head_async(database_url, migrations_dir())
    return database_url


@pytest_asyncio.fixture
async def app(migrated_url: str) -> AsyncIterator[RefundApp]:
    """The wired service on a migrated database."""
    service = bootstrap(refund_settings(migrated_url))
    try:
        yield service
    finally:
        await service.close()


@pytest_asyncio.fixture
async def running(app: RefundApp) -> AsyncIterator[RunningServer]:
    """The service behind a real gRPC server, ready (its database is migrated)."""
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield RunningServer(
            server, channel, refund_service_pb2_grpc.RefundServiceStub(channel), app
        )
    finally:
        await channel.close()
        await server.stop(grace=0.5)
