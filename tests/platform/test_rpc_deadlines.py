"""Deadline handling of the server interceptor, over real gRPC."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import grpc.aio
import pytest
from prometheus_client import REGISTRY
from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.errors import RpcError
from ropo_platform.rpc.interceptors import CallPolicy
from ropo_platform.rpc.server import RpcServer
from test_rpc_support import SERVICE, method, register, unary


@pytest.fixture
async def start_server() -> AsyncIterator[Callable[..., Any]]:
    servers: list[RpcServer] = []

    async def start(policy: CallPolicy) -> RpcServer:
        server = RpcServer(service_name="rpctest", port=0, policy=policy)
        await server.start(register)
        await server.set_ready()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop(grace=0.2)


def _count(method_name: str, code: str) -> float:
    value = REGISTRY.get_sample_value(
        "ropo_rpc_server_duration_seconds_count",
        {"service": SERVICE, "method": method_name, "code": code},
    )
    return value or 0.0


def _in_flight(method_name: str) -> float:
    value = REGISTRY.get_sample_value(
        "ropo_rpc_server_in_flight", {"service": SERVICE, "method": method_name}
    )
    return value or 0.0


async def test_client_deadline_cancels_the_handler(start_server: Callable[..., Any]) -> None:
    server = await start_server(CallPolicy())
    before = _count("Echo", "DEADLINE_EXCEEDED")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await unary(channel, "Echo")(b"sleep:5", timeout=0.3)
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started < 2
    # The server stopped working on it too: the call was recorded as finished.
    for _ in range(50):
        if _count("Echo", "DEADLINE_EXCEEDED") > before:
            break
        await asyncio.sleep(0.02)
    assert _count("Echo", "DEADLINE_EXCEEDED") == before + 1
    assert _in_flight("Echo") == 0


async def test_default_server_timeout_applies_without_client_deadline(
    start_server: Callable[..., Any],
) -> None:
    server = await start_server(CallPolicy(default_timeout=0.2))
    channel = create_channel(f"127.0.0.1:{server.port}", default_timeout=None)
    try:
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await unary(channel, "Echo")(b"sleep:5")
        elapsed = time.monotonic() - started
        error = RpcError.from_aio(caught.value)
        assert error.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert error.message == "deadline exceeded"
        assert error.reason == "DEADLINE_EXCEEDED"
        assert 0.15 < elapsed < 2
        # Fast calls are unaffected.
        assert (await unary(channel, "Echo")(b"hi")).startswith(b"echo:")
    finally:
        await channel.close()


async def test_per_method_timeout_overrides_default(start_server: Callable[..., Any]) -> None:
    policy = CallPolicy(default_timeout=0.1, method_timeouts={method("Echo"): 2.0})
    server = await start_server(policy)
    channel = create_channel(f"127.0.0.1:{server.port}", default_timeout=None)
    try:
        assert await unary(channel, "Echo")(b"sleep:0.3") == b"slept"
    finally:
        await channel.close()


async def test_call_with_too_little_time_left_is_refused(
    start_server: Callable[..., Any],
) -> None:
    server = await start_server(CallPolicy(min_remaining_seconds=1.0))
    before_ok = _count("Echo", "OK")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await unary(channel, "Echo")(b"hi", timeout=0.5)
        error = RpcError.from_aio(caught.value)
        assert error.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert error.message == "deadline too short"
        assert _count("Echo", "OK") == before_ok
        assert (await unary(channel, "Echo")(b"hi", timeout=5)).startswith(b"echo")


async def test_stream_default_timeout_ends_a_stuck_stream(
    start_server: Callable[..., Any],
) -> None:
    server = await start_server(CallPolicy(default_stream_timeout=0.3))
    channel = create_channel(f"127.0.0.1:{server.port}")
    try:
        received: list[bytes] = []
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for item in channel.unary_stream(method("Split"))(b"a,sleep:5,b"):
                received.append(item)
        assert received == [b"a"]
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        await channel.close()


async def test_streams_have_no_default_limit_unless_configured(
    start_server: Callable[..., Any],
) -> None:
    server = await start_server(CallPolicy(default_timeout=0.1))
    channel = create_channel(f"127.0.0.1:{server.port}")
    try:
        items = [i async for i in channel.unary_stream(method("Split"))(b"a,sleep:0.3,b")]
        assert items == [b"a", b"sleep:0.3", b"b"]
    finally:
        await channel.close()


async def test_client_default_timeout_applies(start_server: Callable[..., Any]) -> None:
    server = await start_server(CallPolicy(default_timeout=None))
    channel = create_channel(f"127.0.0.1:{server.port}", default_timeout=0.2)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await unary(channel, "Echo")(b"sleep:5")
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        await channel.close()


async def test_caller_cancelling_a_stream_is_recorded_as_cancelled(
    start_server: Callable[..., Any],
) -> None:
    server = await start_server(CallPolicy())
    before = _count("Split", "CANCELLED")
    channel = create_channel(f"127.0.0.1:{server.port}")
    try:
        call = channel.unary_stream(method("Split"))(b"a,sleep:5,b")
        assert await call.read() == b"a"
        call.cancel()
        for _ in range(100):
            if _count("Split", "CANCELLED") > before:
                break
            await asyncio.sleep(0.02)
        assert _count("Split", "CANCELLED") == before + 1
        assert _in_flight("Split") == 0
    finally:
        await channel.close()
