"""Shared plumbing of the gRPC clients: one channel per peer and error translation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import grpc.aio
from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.errors import RpcError

from ropo_gateway.errors import UpstreamError


def open_channel(address: str, timeout_seconds: float) -> grpc.aio.Channel:
    """A channel with OpenTelemetry client spans, ``x-request-id`` and a default deadline."""
    channel: grpc.aio.Channel = create_channel(address, default_timeout=timeout_seconds)
    return channel


@asynccontextmanager
async def translate_errors(peer: str) -> AsyncIterator[None]:
    """Turn a failed call into ``UpstreamError`` (decoded status, ErrorInfo, violations)."""
    try:
        yield
    except grpc.aio.AioRpcError as error:
        raise UpstreamError(peer, RpcError.from_aio(error)) from None
