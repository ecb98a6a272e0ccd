"""Readiness: poll every check until all pass, or say which ones did not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ropo_dev.model import GrpcHealth, HttpHealth, ReadyCheck

POLL_SECONDS = 0.5
ATTEMPT_TIMEOUT = 2.0


class NotReady(Exception):
    """Raised with a message naming every process that did not become ready."""


class Probe:
    """Answers "ready?" for one check; keeps the last reason it was not."""

    def __init__(self, name: str, check: ReadyCheck) -> None:
        self.name = name
        self.check = check
        self.reason = "not checked yet"
        self._channel: grpc.aio.Channel | None = None

    async def ready(self, http: httpx.AsyncClient) -> bool:
        try:
            if isinstance(self.check, GrpcHealth):
                return await self._grpc(self.check)
            return await self._http(http, self.check)
        except (grpc.aio.AioRpcError, httpx.HTTPError, OSError) as error:
            self.reason = _short_error(error)
            return False

    async def _grpc(self, check: GrpcHealth) -> bool:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(check.address)
        stub = health_pb2_grpc.HealthStub(self._channel)
        request = health_pb2.HealthCheckRequest(service=check.service)
        response = await stub.Check(request, timeout=ATTEMPT_TIMEOUT)
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        self.reason = f"health status {status}"
        return bool(response.status == health_pb2.HealthCheckResponse.SERVING)

    async def _http(self, http: httpx.AsyncClient, check: HttpHealth) -> bool:
        response = await http.get(check.url)
        self.reason = f"HTTP {response.status_code}"
        return response.status_code == 200

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()


def _short_error(error: Exception) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return f"{error.code().name}"
    if isinstance(error, httpx.ConnectError):
        return "connection refused"
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    return type(error).__name__


async def wait_ready(
    targets: Sequence[tuple[str, ReadyCheck]],
    limit: float,
    failed: Callable[[], str | None] = lambda: None,
) -> None:
    """Return when every target is ready; raise NotReady after `limit` seconds,
    or at once when `failed()` reports that a process was given up on."""
    probes = [Probe(name, check) for name, check in targets]
    pending = list(probes)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    # No proxy from the environment: every check is on this machine.
    async with httpx.AsyncClient(timeout=ATTEMPT_TIMEOUT, trust_env=False) as http:
        try:
            while pending:
                answers = await asyncio.gather(*(probe.ready(http) for probe in pending))
                pending = [p for p, ok in zip(pending, answers, strict=True) if not ok]
                problem = failed()
                if problem:
                    raise NotReady(problem)
                if not pending:
                    return
                if loop.time() >= deadline:
                    waiting = ", ".join(
                        f"{p.name} ({p.check.describe()}: {p.reason})" for p in pending
                    )
                    raise NotReady(f"not ready after {limit:g}s: {waiting}")
                await asyncio.sleep(POLL_SECONDS)
        finally:
            await asyncio.gather(*(probe.close() for probe in probes))
