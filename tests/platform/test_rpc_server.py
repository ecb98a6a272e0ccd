"""RpcServer against real gRPC: health, reflection, rich errors, request ids, all call shapes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY
from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.errors import RpcError
from ropo_platform.rpc.server import PortInUseError, RpcServer
from test_rpc_support import OTHER_SERVICE, SECRET_HETU, SERVICE, method, register, unary

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
async def rpc_server() -> AsyncIterator[RpcServer]:
    server = RpcServer(service_name="rpctest", port=0)
    await server.start(register)
    await server.set_ready()
    yield server
    await server.stop(grace=0.5)


@pytest.fixture
async def channel(rpc_server: RpcServer) -> AsyncIterator[Any]:
    channel = create_channel(f"127.0.0.1:{rpc_server.port}")
    yield channel
    await channel.close()


async def _health(channel: Any, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    status: int = response.status
    return status


async def test_health_is_not_serving_until_ready_then_serving_per_service() -> None:
    server = RpcServer(service_name="rpctest", port=0)
    port = await server.start(register)
    channel = create_channel(f"127.0.0.1:{port}")
    try:
        for name in ("", SERVICE, OTHER_SERVICE):
            assert await _health(channel, name) == NOT_SERVING

        attempts = 0

        async def readiness() -> None:
            nonlocal attempts
            attempts += 1
            if attempts < 3:
                raise ConnectionError("database not reachable yet")

        await asyncio.wait_for(server.wait_until_ready(readiness, initial_delay=0.01), 5)
        assert attempts == 3
        for name in ("", SERVICE, OTHER_SERVICE):
            assert await _health(channel, name) == SERVING

        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await _health(channel, "ropo.nothing.v1.NothingService")
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await channel.close()
        await server.stop(grace=0.5)


async def test_reflection_lists_services_health_and_reflection(channel: Any) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    responses = [r async for r in stub.ServerReflectionInfo(requests())]
    names = {s.name for s in responses[0].list_services_response.service}
    assert names == {
        SERVICE,
        OTHER_SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }


async def test_ok_call_gets_request_id_from_caller_and_echoes_it(channel: Any) -> None:
    echo = channel.unary_unary(method("Echo"))
    call = echo(b"hello", metadata=(("x-request-id", "req-123"),))
    assert await call == b"echo:req-123"
    trailing = await call.trailing_metadata()
    assert ("x-request-id", "req-123") in list(trailing)


async def test_request_id_is_generated_when_missing_or_malformed(
    rpc_server: RpcServer, channel: Any
) -> None:
    echo = channel.unary_unary(method("Echo"))
    # create_channel adds one when the caller has none; a raw channel does not.
    raw = grpc.aio.insecure_channel(f"127.0.0.1:{rpc_server.port}")
    try:
        raw_echo = unary(raw, "Echo")
        for metadata in (
            (),
            (("x-request-id", "bad id with spaces"),),
            (("x-request-id", SECRET_HETU),),  # well-formed, but personal data
        ):
            call = raw_echo(b"hi", metadata=metadata, timeout=5)
            body = await call
            generated = body.removeprefix(b"echo:").decode()
            assert len(generated) == 32 and generated.isalnum()
            assert ("x-request-id", generated) in list(await call.trailing_metadata())
    finally:
        await raw.close()
    call = echo(b"hi")
    assert len((await call).removeprefix(b"echo:")) == 32


async def test_validation_failed_becomes_invalid_argument_with_field_violations(
    channel: Any,
) -> None:
    echo = channel.unary_unary(method("Echo"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await echo(b"validation", metadata=(("x-request-id", "rid-9"),))
    error = RpcError.from_aio(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.error_info is not None
    assert error.error_info.reason == "INVALID_LIST_REQUEST"
    assert error.error_info.domain == "rpctest.ropo"
    assert [(v.field, v.description) for v in error.field_violations] == [
        ("page_size", "must not be negative"),
        ("invoice.due_date", "must be in the future"),
    ]
    assert error.request_id == "rid-9"
    assert ("x-request-id", "rid-9") in list(caught.value.trailing_metadata())
    body = error.to_http_json()["error"]
    assert body["code"] == 400
    assert body["status"] == "INVALID_ARGUMENT"
    assert body["details"][1]["fieldViolations"][0] == {
        "field": "page_size",
        "description": "must not be negative",
    }


async def test_not_found_and_precondition_carry_error_info_and_details(channel: Any) -> None:
    echo = channel.unary_unary(method("Echo"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await echo(b"notfound")
    error = RpcError.from_aio(caught.value)
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.message == "invoice not found"
    assert error.reason == "INVOICE_NOT_FOUND"
    assert error.error_info is not None and error.error_info.metadata == {"invoice": "invoices/42"}
    assert error.http_status == 404

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await echo(b"precondition")
    error = RpcError.from_aio(caught.value)
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "INVOICE_ALREADY_PAID"
    assert [(v.type, v.subject) for v in error.precondition_violations] == [
        ("INVOICE_STATE", "invoices/7")
    ]


async def test_unexpected_exception_is_internal_without_internals(
    channel: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    echo = channel.unary_unary(method("Echo"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await echo(b"boom")
    error = RpcError.from_aio(caught.value)
    assert error.code == grpc.StatusCode.INTERNAL
    assert error.message == "internal error"
    assert error.reason == "INTERNAL"
    assert caught.value.details() == "internal error"
    everything = repr(caught.value.trailing_metadata()) + str(caught.value.debug_error_string())
    assert "hunter2" not in everything
    assert SECRET_HETU not in everything


async def test_a_busy_database_is_unavailable_with_a_retry_hint(channel: Any) -> None:
    echo = channel.unary_unary(method("Echo"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await echo(b"busy")
    error = RpcError.from_aio(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.UNAVAILABLE, "DATABASE_BUSY")
    assert error.retry_after_seconds == 1
    assert "UPDATE" not in error.message  # nothing of the statement reaches the caller


async def test_servicer_own_abort_passes_through(channel: Any) -> None:
    labels = {"service": SERVICE, "method": "Echo", "code": "PERMISSION_DENIED"}
    before = REGISTRY.get_sample_value("ropo_rpc_server_duration_seconds_count", labels) or 0
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await channel.unary_unary(method("Echo"))(b"abort")
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert caught.value.details() == "handled by servicer"
    after = REGISTRY.get_sample_value("ropo_rpc_server_duration_seconds_count", labels)
    assert after == before + 1


async def test_unknown_method_is_unimplemented(channel: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await channel.unary_unary(method("Nope"))(b"")
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_client_streaming_call(channel: Any) -> None:
    collect = channel.stream_unary(method("Collect"))

    async def items(*values: bytes) -> AsyncIterator[bytes]:
        for value in values:
            yield value

    result = await collect(items(b"a", b"b", b"c"), metadata=(("x-request-id", "imp-1"),))
    assert result == b"a|b|c#imp-1"

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await collect(items(b"a", b"bad"))
    error = RpcError.from_aio(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == ["items[1]"]


async def test_server_streaming_async_generator_and_error_mid_stream(channel: Any) -> None:
    split = channel.unary_stream(method("Split"))
    assert [item async for item in split(b"a,b,c")] == [b"a", b"b", b"c"]

    received: list[bytes] = []
    call = split(b"a,fail,c")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for item in call:
            received.append(item)
    assert received == [b"a"]
    error = RpcError.from_aio(caught.value)
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.reason == "PART_NOT_FOUND"
    assert error.error_info is not None and error.error_info.metadata == {"index": "1"}


async def test_server_streaming_write_style(channel: Any) -> None:
    split = channel.unary_stream(method("SplitWritten"))
    assert [item async for item in split(b"x,y")] == [b"x", b"y"]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in split(b"x,boom"):
            pass
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert caught.value.details() == "internal error"


async def test_bidirectional_streaming(channel: Any) -> None:
    chat = channel.stream_stream(method("Chat"))

    async def lines(*values: bytes) -> AsyncIterator[bytes]:
        for value in values:
            yield value

    assert [item async for item in chat(lines(b"hei", b"moi"))] == [b"HEI", b"MOI"]
    received: list[bytes] = []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for item in chat(lines(b"hei", b"fail", b"never")):
            received.append(item)
    assert received == [b"HEI"]
    assert RpcError.from_aio(caught.value).reason == "CONVERSATION_CLOSED"


async def test_busy_port_fails_with_one_line_error(rpc_server: RpcServer) -> None:
    second = RpcServer(service_name="rpctest", port=rpc_server.port or 0)
    with pytest.raises(PortInUseError) as caught:
        await second.start(register)
    assert (
        str(caught.value)
        == f"rpctest: cannot listen on 127.0.0.1:{rpc_server.port} (Address already in use)"
    )

    # Also a port held by something that is not gRPC at all.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        third = RpcServer(service_name="rpctest", port=holder.getsockname()[1])
        with pytest.raises(PortInUseError):
            await third.start(register)
