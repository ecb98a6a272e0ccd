"""Every service of this skeleton as a real process: ``migrate``, then ``serve`` on a free
port — health, reflection, UNIMPLEMENTED with ErrorInfo, SIGTERM → exit 0 — and the
``worker`` role provisioning its stream on a private nats-server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from nats.aio.client import Client
from ropo_platform.rpc import RpcError
from ropo_platform.testing import ManagedProcess, NatsServer, eventually
from services_support import SPECS, ServiceSpec, run_command, service_env, start_process

pytestmark = pytest.mark.slow

SHUTDOWN_SECONDS = 10.0


def _identity(data: bytes) -> bytes:
    return data


async def health_status(channel: grpc.aio.Channel, service: str) -> int:
    try:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=2
        )
    except grpc.aio.AioRpcError:
        return -1  # not listening yet
    return int(response.status)


async def reflected_methods(channel: grpc.aio.Channel, service: str) -> tuple[set[str], set[str]]:
    """(services the server lists, methods of ``service``) through server reflection."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo()
    await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    await call.write(reflection_pb2.ServerReflectionRequest(file_containing_symbol=service))
    await call.done_writing()
    listed: Any = await call.read()
    described: Any = await call.read()
    services = {entry.name for entry in listed.list_services_response.service}
    methods: set[str] = set()
    for raw in described.file_descriptor_response.file_descriptor_proto:
        file = descriptor_pb2.FileDescriptorProto.FromString(raw)
        for entry in file.service:
            if f"{file.package}.{entry.name}" == service:
                methods = {method.name for method in entry.method}
    return services, methods


async def unimplemented_error(
    channel: grpc.aio.Channel, spec: ServiceSpec, method: str, *, streaming: bool = False
) -> RpcError:
    """Call ``method`` with an empty request (valid proto bytes) and decode the failure."""
    path = f"/{spec.service}/{method}"
    try:
        if streaming:
            call = channel.unary_stream(
                path, request_serializer=_identity, response_deserializer=_identity
            )(b"", timeout=5)
            async for _ in call:
                pass
        else:
            await channel.unary_unary(
                path, request_serializer=_identity, response_deserializer=_identity
            )(b"", timeout=5)
    except grpc.aio.AioRpcError as error:
        return RpcError.from_aio(error)
    raise AssertionError(f"{method} did not fail")


def stop_and_time(process: ManagedProcess) -> tuple[int, float]:
    started = time.monotonic()
    code = process.terminate(timeout=SHUTDOWN_SECONDS + 5)
    return code, time.monotonic() - started


@pytest.mark.parametrize("context", sorted(SPECS))
async def test_serve_process(context: str, database_url: str, tmp_path: Path) -> None:
    spec = SPECS[context]
    env = service_env(spec, database_url)
    await asyncio.to_thread(run_command, spec, "migrate", env, tmp_path)
    process = start_process(spec, "serve", env, tmp_path)
    try:
        address = f"127.0.0.1:{env[f'{spec.prefix}GRPC_PORT']}"
        async with grpc.aio.insecure_channel(address) as channel:
            serving = health_pb2.HealthCheckResponse.SERVING
            for name in ("", spec.service):

                async def probe(name: str = name) -> int:
                    return await health_status(channel, name)

                await eventually(probe, lambda status: status == serving, within=30)

            services, methods = await reflected_methods(channel, spec.service)
            assert {spec.service, "grpc.health.v1.Health"} <= services
            assert spec.methods <= methods, spec.methods - methods

            to_check = [(spec.unimplemented, False)] if spec.unimplemented else []
            if context == "refund":
                # Built: an empty request is refused by validation, not UNIMPLEMENTED.
                to_check = []
                error = await unimplemented_error(channel, spec, "VerifyRefundCase")
                assert error.code is grpc.StatusCode.INVALID_ARGUMENT
                assert error.error_info is not None
                assert error.error_info.domain == "refund.ropo"
            if context == "chat":
                # Built: an empty request is refused by validation, the stream too.
                for method, streaming in (
                    ("StartConversation", False),
                    ("WatchConversation", True),
                ):
                    error = await unimplemented_error(channel, spec, method, streaming=streaming)
                    assert error.code is grpc.StatusCode.INVALID_ARGUMENT, method
                    assert error.error_info is not None
                    assert error.error_info.domain == "chat.ropo"
            for method, streaming in to_check:
                error = await unimplemented_error(channel, spec, method, streaming=streaming)
                assert error.code is grpc.StatusCode.UNIMPLEMENTED
                assert error.error_info is not None
                assert error.error_info.reason == "NOT_IMPLEMENTED_YET"
                assert error.error_info.domain == f"{context}.ropo"
                assert error.error_info.metadata["issue"] == spec.issue
                assert f"issue {spec.issue}" in error.message
    finally:
        code, seconds = await asyncio.to_thread(stop_and_time, process)
    assert code == 0, process.output()
    assert seconds < SHUTDOWN_SECONDS, process.output()


@pytest.mark.parametrize("context", sorted(SPECS))
async def test_worker_process_provisions_its_stream(
    context: str, database_url: str, tmp_path: Path, nats_server: NatsServer, nats_client: Client
) -> None:
    spec = SPECS[context]
    env = service_env(spec, database_url, nats_server.url)
    await asyncio.to_thread(run_command, spec, "migrate", env, tmp_path)
    stream = f"ROPO_{context.upper()}"
    js = nats_client.jetstream()

    async def subjects() -> list[str]:
        try:
            return list((await js.stream_info(stream)).config.subjects or [])
        except Exception:
            return []

    process = start_process(spec, "worker", env, tmp_path)
    try:
        assert await eventually(subjects, bool, within=30) == [f"ropo.{context}.>"]
    finally:
        code, seconds = await asyncio.to_thread(stop_and_time, process)
    assert code == 0, process.output()
    assert seconds < SHUTDOWN_SECONDS, process.output()
