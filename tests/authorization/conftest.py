"""Fixtures of the authorization service's tests.

The platform's fixtures (``database_url`` per backend, ``nats_server``,
``in_memory_spans``) come from ``ropo_platform.testing.pytest_plugin`` (root
conftest). These run the real service on a real database (SQLite always,
PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set) behind a real gRPC server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from authorization_support import RunningServer, authorization_settings, start_server
from ropo.authorization.v1 import authorization_service_pb2_grpc
from ropo_authorization.adapters.migrations import migrations_dir
from ropo_authorization.bootstrap import AuthorizationApp, bootstrap
from ropo_platform.db.migrations import upgrade_to_head_async


@pytest_asyncio.fixture
async def migrated_url(database_url: str) -> str:
    """A fresh database of the current backend, migrated to head."""
    await upgrade_to_head_async(database_url, migrations_dir())
    return database_url


@pytest_asyncio.fixture
async def app(migrated_url: str) -> AsyncIterator[AuthorizationApp]:
    """The wired service on a migrated database."""
    service = bootstrap(authorization_settings(migrated_url))
    try:
        yield service
    finally:
        await service.close()


@pytest_asyncio.fixture
async def running(app: AuthorizationApp) -> AsyncIterator[RunningServer]:
    """The service behind a real gRPC server, ready (its database is migrated)."""
    server, channel = await start_server(app)
    await server.wait_until_ready(app.readiness)
    try:
        yield RunningServer(
            server,
            channel,
            authorization_service_pb2_grpc.AuthorizationServiceStub(channel),
            app,
        )
    finally:
        await channel.close()
        await server.stop(grace=0.5)
