"""A tiny gRPC service for the platform's RPC tests (raw bytes, generic handlers, no proto).

Imported by the ``test_rpc_*`` modules; also runnable as a process
(``python test_rpc_support.py``) for the SIGTERM drain test, configured through
``ROPO_RPCTEST_*`` variables like a real service.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings
from ropo_platform.errors import (
    FailedPrecondition,
    FieldViolation,
    NotFound,
    PreconditionViolation,
    ValidationFailed,
)
from ropo_platform.logging import get_logger, get_request_id
from ropo_platform.rpc.server import run_service
from sqlalchemy.exc import OperationalError

SERVICE = "ropo.rpctest.v1.EchoService"
OTHER_SERVICE = "ropo.rpctest.v1.OtherService"
SECRET_HETU = "010190-900X"  # a test-range henkilötunnus that must never leak

_log = get_logger("rpctest")


def method(name: str, service: str = SERVICE) -> str:
    return f"/{service}/{name}"


def unary(
    channel: grpc.aio.Channel, name: str, service: str = SERVICE
) -> grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]:
    """A unary method of the test service: raw bytes both ways (no (de)serializers)."""
    return channel.unary_unary(method(name, service))


async def _echo(request: bytes, context: Any) -> bytes:
    _log.info("echo_called", size=len(request))
    if request == b"validation":
        raise ValidationFailed(
            [
                FieldViolation("page_size", "must not be negative"),
                FieldViolation("invoice.due_date", "must be in the future"),
            ],
            reason="INVALID_LIST_REQUEST",
        )
    if request == b"notfound":
        raise NotFound("INVOICE_NOT_FOUND", "invoice not found", {"invoice": "invoices/42"})
    if request == b"precondition":
        raise FailedPrecondition(
            "INVOICE_ALREADY_PAID",
            "invoice is already paid",
            {"invoice": "invoices/7"},
            violations=[PreconditionViolation("INVOICE_STATE", "invoices/7", "paid")],
        )
    if request == b"boom":
        raise RuntimeError(f"database password hunter2 for {SECRET_HETU}")
    if request == b"busy":
        raise OperationalError(
            "UPDATE t SET x = 1", {}, sqlite3.OperationalError("database is locked")
        )
    if request == b"abort":
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "handled by servicer")
    if request.startswith(b"sleep:"):
        await asyncio.sleep(float(request.removeprefix(b"sleep:")))
        return b"slept"
    return b"echo:" + (get_request_id() or "").encode()


async def _collect(requests: AsyncIterator[bytes], context: Any) -> bytes:
    parts: list[bytes] = []
    async for item in requests:
        if item == b"bad":
            raise ValidationFailed([FieldViolation("items[1]", "is bad")])
        parts.append(item)
    return b"|".join(parts) + b"#" + (get_request_id() or "").encode()


async def _split(request: bytes, context: Any) -> AsyncIterator[bytes]:
    for index, value in enumerate(request.split(b",")):
        if value == b"fail":
            raise NotFound("PART_NOT_FOUND", "part missing", {"index": str(index)})
        if value.startswith(b"sleep:"):
            await asyncio.sleep(float(value.removeprefix(b"sleep:")))
        yield value


async def _split_written(request: bytes, context: Any) -> None:
    # The other style of response streaming: context.write() from a coroutine.
    for value in request.split(b","):
        if value == b"boom":
            raise RuntimeError("internal detail")
        await context.write(value)


async def _chat(requests: AsyncIterator[bytes], context: Any) -> AsyncIterator[bytes]:
    async for item in requests:
        if item == b"fail":
            raise FailedPrecondition("CONVERSATION_CLOSED", "conversation is closed")
        yield item.upper()


def echo_handler() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Echo": grpc.unary_unary_rpc_method_handler(_echo),
            "Collect": grpc.stream_unary_rpc_method_handler(_collect),
            "Split": grpc.unary_stream_rpc_method_handler(_split),
            "SplitWritten": grpc.unary_stream_rpc_method_handler(_split_written),
            "Chat": grpc.stream_stream_rpc_method_handler(_chat),
        },
    )


def other_handler() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        OTHER_SERVICE, {"Ping": grpc.unary_unary_rpc_method_handler(_echo)}
    )


def register(server: Any) -> list[str]:
    """The test services, registered like a real service's servicers."""
    server.add_generic_rpc_handlers((echo_handler(), other_handler()))
    return [SERVICE, OTHER_SERVICE]


class RpcTestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROPO_RPCTEST_")
    service_name: str = "rpctest"


def _main() -> int:
    settings = load_settings(RpcTestSettings)
    ready_flag = Path(os.environ["RPCTEST_READY_FILE"])

    async def readiness() -> None:
        # Ready once the test creates the file: lets it observe NOT_SERVING first.
        if not await asyncio.to_thread(ready_flag.exists):
            raise RuntimeError("not ready yet")

    async def on_shutdown() -> None:
        print("shutdown hook ran", flush=True)

    return run_service(settings, register, readiness, on_shutdown)


if __name__ == "__main__":
    sys.exit(_main())
