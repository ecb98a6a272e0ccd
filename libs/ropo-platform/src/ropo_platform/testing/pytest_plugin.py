"""Pytest fixtures shared by every test suite of the project.

Register once in the root ``tests/conftest.py``::

    pytest_plugins = ["ropo_platform.testing.pytest_plugin"]

Fixtures:

- ``nats_server`` – a private nats-server with JetStream (``.url``, ``.stop()``,
  ``.start()``, ``.restart(kill=True)``); port and store survive restarts.
- ``database_backend`` – ``"sqlite"`` always, ``"postgresql"`` when
  ``ROPO_TEST_POSTGRES_URL`` is set (skipped otherwise); tests that use any of
  the database fixtures below run once per backend.
- ``database_factory`` – ``await database_factory.create("invoice")`` → a new empty
  database URL of that backend (several per test, e.g. one per service).
- ``database_url`` – one fresh database URL of that backend.
- ``messaging_database`` – a ``Database`` on ``database_url`` with the messaging
  tables (outbox, inbox, dead_letter, request_log) created; disposed afterwards.
- ``nats_client`` – a connected ``nats.aio.client.Client`` for ``nats_server``.
- ``in_memory_spans`` – an ``InMemorySpanExporter`` on the process's tracer
  provider, cleared before and after the test.
- ``free_port()`` – importable helper, also as the ``free_tcp_port`` fixture.

It also loads ``hetu_guard``: a test whose captured output (its log lines)
contains a henkilötunnus fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from nats.aio.client import Client
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ropo_platform.db import Database, make_metadata, messaging_tables
from ropo_platform.messaging.connection import connect_nats
from ropo_platform.testing.databases import (
    POSTGRES_ENV,
    POSTGRESQL,
    SQLITE,
    DatabaseFactory,
    postgres_admin_url,
)
from ropo_platform.testing.nats_server import NatsServer
from ropo_platform.testing.ports import free_port
from ropo_platform.testing.tracing import install_in_memory_exporter

pytest_plugins = ["ropo_platform.testing.hetu_guard"]


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A running nats-server (JetStream, file store under ``tmp_path``), stopped afterwards."""
    server = NatsServer(tmp_path / "nats-store")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(
    params=[SQLITE, pytest.param(POSTGRESQL, marks=pytest.mark.postgres)],
)
def database_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend == POSTGRESQL and not postgres_admin_url():
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    return backend


@pytest_asyncio.fixture
async def database_factory(database_backend: str, tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(database_backend, tmp_path, postgres_admin_url())
    try:
        yield factory
    finally:
        await factory.cleanup()


@pytest_asyncio.fixture
async def database_url(database_factory: DatabaseFactory) -> str:
    return await database_factory.create("test")


@pytest_asyncio.fixture
async def messaging_database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    metadata = make_metadata()
    messaging_tables(metadata)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield db
    finally:
        await db.dispose()


@pytest_asyncio.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await connect_nats(nats_server.url, name="tests", reconnect_time_wait=0.1)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def in_memory_spans() -> Iterator[InMemorySpanExporter]:
    exporter = install_in_memory_exporter()
    exporter.clear()
    try:
        yield exporter
    finally:
        exporter.clear()


@pytest.fixture
def free_tcp_port() -> int:
    return free_port()


@pytest.fixture
def free_port_factory() -> Callable[[], int]:
    return free_port


__all__ = [
    "database_backend",
    "database_factory",
    "database_url",
    "free_port_factory",
    "free_tcp_port",
    "in_memory_spans",
    "messaging_database",
    "nats_client",
    "nats_server",
]
