"""create_channel: request-id propagation from the current context, over real gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ropo_platform.logging import request_id_scope
from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.server import RpcServer
from test_rpc_support import method, register


@pytest.fixture
async def channel() -> AsyncIterator[Any]:
    server = RpcServer(service_name="rpctest", port=0)
    await server.start(register)
    await server.set_ready()
    channel = create_channel(f"127.0.0.1:{server.port}")
    yield channel
    await channel.close()
    await server.stop(grace=0.2)


async def test_request_id_of_the_current_request_is_forwarded(channel: Any) -> None:
    with request_id_scope("incoming-1"):
        assert await channel.unary_unary(method("Echo"))(b"hi") == b"echo:incoming-1"

        async def items() -> AsyncIterator[bytes]:
            yield b"x"

        assert await channel.stream_unary(method("Collect"))(items()) == b"x#incoming-1"


async def test_explicit_request_id_wins(channel: Any) -> None:
    with request_id_scope("incoming-1"):
        echo = channel.unary_unary(method("Echo"))
        assert await echo(b"hi", metadata=(("x-request-id", "explicit"),)) == b"echo:explicit"


async def test_without_a_current_request_a_new_id_is_made_per_call(channel: Any) -> None:
    echo = channel.unary_unary(method("Echo"))
    first, second = await echo(b"a"), await echo(b"b")
    assert first != second and len(first) == len(b"echo:") + 32
