"""``run_service`` as a real process: readiness gating, SIGTERM drain, busy port, bad config."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ropo_platform.testing.ports import free_port
from test_rpc_support import SERVICE, unary

SUPPORT = Path(__file__).with_name("test_rpc_support.py")
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
GRACE = 4.0


def _env(port: int, ready_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROPO_", "OTEL_"))}
    env.update(
        ROPO_ENV="test",
        ROPO_RPCTEST_GRPC_PORT=str(port),
        ROPO_RPCTEST_SHUTDOWN_GRACE_SECONDS=str(GRACE),
        RPCTEST_READY_FILE=str(ready_file),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@pytest.fixture
def service_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    port = free_port()
    ready_file = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, str(SUPPORT)],
        env=_env(port, ready_file),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, port, ready_file
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def _status(channel: Any, service: str) -> int | None:
    try:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=1
        )
    except grpc.aio.AioRpcError:
        return None
    status: int = response.status
    return status


async def _wait_for(channel: Any, service: str, wanted: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await _status(channel, service) == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"health of {service!r} never became {wanted}")


async def test_sigterm_flips_health_drains_in_flight_calls_and_exits_zero(
    service_process: tuple[subprocess.Popen[str], int, Path],
) -> None:
    process, port, ready_file = service_process
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        # Up, but not ready: NOT_SERVING for the server and each service.
        await _wait_for(channel, "", NOT_SERVING)
        assert await _status(channel, SERVICE) == NOT_SERVING

        ready_file.touch()
        await _wait_for(channel, SERVICE, SERVING)
        assert await _status(channel, "") == SERVING

        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=SERVICE)
        )
        assert (await watch.read()).status == SERVING

        in_flight = asyncio.ensure_future(unary(channel, "Echo")(b"sleep:1.0", timeout=10))
        await asyncio.sleep(0.2)  # the call is being handled

        sent_at = time.monotonic()
        process.send_signal(signal.SIGTERM)

        update = await asyncio.wait_for(watch.read(), 5)
        assert update.status == NOT_SERVING
        assert await in_flight == b"slept"  # drained, not cut off

    returncode = await asyncio.to_thread(process.wait, GRACE + 5)
    assert returncode == 0
    assert time.monotonic() - sent_at < GRACE + 3
    stdout, _ = process.communicate()
    assert "shutdown hook ran" in stdout
    events = [json.loads(line)["event"] for line in stdout.splitlines() if line.startswith("{")]
    assert "readiness_check_failed" in events
    assert events.index("service_ready") < events.index("draining") < events.index("stopped")


async def test_busy_port_exits_with_one_readable_line(tmp_path: Path) -> None:
    port = free_port()
    ready_file = tmp_path / "ready"
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SUPPORT),
        env=_env(port, ready_file),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            await _wait_for(channel, "", NOT_SERVING)
        second = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(SUPPORT)],
            env=_env(port, ready_file),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert lines == [
            f"error: rpctest: cannot listen on 127.0.0.1:{port} (Address already in use)"
        ]
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.wait(), 15)


def test_bad_configuration_exits_nonzero_with_one_line_per_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SUPPORT)],
        env=_env(
            free_port(),
            tmp_path / "ready",
            ROPO_RPCTEST_GRPC_PORT="fifty",
            ROPO_RPCTEST_LOG_FORMAT="xml",
        ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "configuration error: ROPO_RPCTEST_GRPC_PORT: Input should be a valid integer, "
        "unable to parse string as an integer (got 'fifty')",
        "configuration error: ROPO_RPCTEST_LOG_FORMAT: Input should be 'json' or 'console' "
        "(got 'xml')",
    ]


async def test_second_signal_cuts_the_grace_period_short(
    service_process: tuple[subprocess.Popen[str], int, Path],
) -> None:
    process, port, ready_file = service_process
    ready_file.touch()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await _wait_for(channel, SERVICE, SERVING)
        in_flight = asyncio.ensure_future(unary(channel, "Echo")(b"sleep:30", timeout=30))
        await asyncio.sleep(0.2)
        sent_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        await asyncio.sleep(0.3)
        process.send_signal(signal.SIGINT)
        with pytest.raises(grpc.aio.AioRpcError):
            await in_flight
    assert await asyncio.to_thread(process.wait, GRACE + 5) == 0
    assert time.monotonic() - sent_at < GRACE - 1
