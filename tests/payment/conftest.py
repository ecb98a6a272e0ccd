"""Fixtures of the payment service's tests.

The platform's fixtures (``database_url`` per backend, ``nats_server``,
``in_memory_spans``) come from ``ropo_platform.testing.pytest_plugin`` (root
conftest). These run the real service on a real database (SQLite always,
PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set) behind a real gRPC server.

- ``migrated_url``: a fresh database of the current backend, migrated to head;
- ``payment_database``: a ``Database`` on it (disposed afterwards);
- ``fake_provider``: a scriptable in-memory PSP (``payment_support.FakeProvider``);
- ``app``: the wired service (with ``fake_provider`` as its PSP);
- ``running``: ``app`` behind a real gRPC server, with a stub.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from payment_support import (
    FakeProvider,
    RunningServer,
    payment_settings,
    start_server,
)
from ropo.payment.v1 import payment_service_pb2_grpc
from ropo_payment.adapters.migrations import migrations_dir
from ropo_payment.bootstrap import PaymentApp, bootstrap
from ropo_platform.db import Database
from ropo_platform.db.migrations import upgrade_to_head_async


@pytest_asyncio.fixture
async def migrated_url(database_url: str) -> str:
    """A fresh database of the current backend, migrated to head."""
    await upgrade_to_head_async(database_url, migrations_dir())
    return database_url


@pytest_asyncio.fixture
async def payment_database(migrated_url: str) -> AsyncIterator[Database]:
    """A ``Database`` on the migrated database, disposed afterwards."""
    database = Database(migrated_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def fake_provider() -> FakeProvider:
    """A PSP in memory: answers every create with a transaction on the sandbox host."""
    return FakeProvider()


@pytest_asyncio.fixture
async def app(migrated_url: str, fake_provider: FakeProvider) -> AsyncIterator[PaymentApp]:
    """The wired service on a migrated database, talking to ``fake_provider``."""
    service = bootstrap(payment_settings(migrated_url), provider=fake_provider)
    try:
        yield service
    finally:
        await service.close()


@pytest_asyncio.fixture
async def running(app: PaymentApp) -> AsyncIterator[RunningServer]:
    """The service behind a real gRPC server, ready (its database is migrated)."""
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield RunningServer(
            server,
            channel,
            payment_service_pb2_grpc.PaymentServiceStub(channel),
            app,
        )
    finally:
        await channel.close()
        await server.stop(grace=0.5)
