"""Fixtures of the chat service's tests.

The platform's fixtures (``database_url`` per backend, ``nats_server``) come from
``ropo_platform.testing.pytest_plugin`` (root conftest). These run the real service on a
real database (SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set) behind a
real gRPC server, asking real gRPC stand-ins of the authorization and invoice services.

- ``migrated_url``: a fresh database of the current backend, migrated to head;
- ``peers``: the authorization and invoice stand-ins (``chat_support.start_peers``);
- ``app``: the wired service on it, asking ``peers`` (NATS unreachable);
- ``running``: ``app`` behind a real gRPC server, with a stub.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from chat_support import Peers, RunningChat, chat_settings, start_chat, start_peers, stop_chat
from ropo_chat.adapters.migrations import migrations_dir
from ropo_chat.bootstrap import ChatApp, bootstrap
from ropo_platform.db.migrations import upgrade_to_head_async


@pytest_asyncio.fixture
async def migrated_url(database_url: str) -> str:
    """A fresh database of the current backend, migrated to head."""
    await upgrade_to_head_async(database_url, migrations_dir())
    return database_url


@pytest_asyncio.fixture
async def peers() -> AsyncIterator[Peers]:
    started = await start_peers()
    try:
        yield started
    finally:
        await started.server.stop(grace=0)


@pytest_asyncio.fixture
async def app(migrated_url: str, peers: Peers) -> AsyncIterator[ChatApp]:
    """The wired service on a migrated database."""
    service = bootstrap(
        chat_settings(migrated_url, authorization_addr=peers.address, invoice_addr=peers.address)
    )
    try:
        yield service
    finally:
        await service.close()


@pytest_asyncio.fixture
async def running(app: ChatApp, peers: Peers) -> AsyncIterator[RunningChat]:
    """The service behind a real gRPC server, ready (its database is migrated)."""
    chat = await start_chat(app, peers)
    try:
        yield chat
    finally:
        await stop_chat(chat)
