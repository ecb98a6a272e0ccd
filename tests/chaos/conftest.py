"""Fixtures of the fault-injection tests: the test app against a real nats-server
and each database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from ropo_platform.testing import NatsServer
from thing_harness import ThingHarness


@pytest_asyncio.fixture
async def harness(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[ThingHarness]:
    h = ThingHarness(database_url, nats_server, tmp_path)
    await h.setup()
    try:
        yield h
    finally:
        await h.close()
