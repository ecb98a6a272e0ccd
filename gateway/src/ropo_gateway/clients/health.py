"""Readiness of the gRPC peers through ``grpc.health.v1`` (per full service name)."""

from __future__ import annotations

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def peer_serving(channel: grpc.aio.Channel, service: str, timeout_seconds: float) -> bool:
    """True when the peer reports SERVING for ``service`` within ``timeout_seconds``."""
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        response = await stub.Check(
            health_pb2.HealthCheckRequest(service=service), timeout=timeout_seconds
        )
    except grpc.aio.AioRpcError:
        return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)
