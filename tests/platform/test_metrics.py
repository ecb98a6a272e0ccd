"""Prometheus metrics: RPC latency by service/method/code, exposed over HTTP."""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest
from prometheus_client import REGISTRY
from ropo_platform.metrics import split_method, start_metrics_server
from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.server import RpcServer
from test_rpc_support import SERVICE, method, register


@pytest.fixture
async def channel() -> AsyncIterator[Any]:
    server = RpcServer(service_name="rpctest", port=0)
    await server.start(register)
    await server.set_ready()
    channel = create_channel(f"127.0.0.1:{server.port}")
    yield channel
    await channel.close()
    await server.stop(grace=0.2)


def _count(method_name: str, code: str) -> float:
    labels = {"service": SERVICE, "method": method_name, "code": code}
    return REGISTRY.get_sample_value("ropo_rpc_server_duration_seconds_count", labels) or 0.0


def test_split_method() -> None:
    assert split_method("/ropo.invoice.v1.InvoiceService/GetInvoice") == (
        "ropo.invoice.v1.InvoiceService",
        "GetInvoice",
    )
    assert split_method("garbage") == ("unknown", "unknown")


async def test_rpc_latency_is_recorded_per_final_code(channel: Any) -> None:
    ok, not_found, internal = (
        _count("Echo", "OK"),
        _count("Echo", "NOT_FOUND"),
        _count("Echo", "INTERNAL"),
    )
    echo = channel.unary_unary(method("Echo"))
    await echo(b"hi")
    await echo(b"hi")
    for body in (b"notfound", b"boom"):
        with pytest.raises(grpc.aio.AioRpcError):
            await echo(body)
    assert _count("Echo", "OK") == ok + 2
    assert _count("Echo", "NOT_FOUND") == not_found + 1
    assert _count("Echo", "INTERNAL") == internal + 1
    assert (
        REGISTRY.get_sample_value(
            "ropo_rpc_server_in_flight", {"service": SERVICE, "method": "Echo"}
        )
        == 0
    )


async def test_streaming_calls_are_recorded(channel: Any) -> None:
    before = _count("Split", "OK")
    assert len([x async for x in channel.unary_stream(method("Split"))(b"a,b")]) == 2
    assert _count("Split", "OK") == before + 1


def test_metrics_endpoint_serves_the_registry() -> None:
    server = start_metrics_server(0)
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
        assert "ropo_rpc_server_duration_seconds_bucket" in body
        assert "ropo_rpc_server_in_flight" in body
    finally:
        server.close()


def test_busy_metrics_port_raises() -> None:
    server = start_metrics_server(0)
    try:
        with pytest.raises(OSError):
            start_metrics_server(server.port)
    finally:
        server.close()
