"""``python -m ropo_gateway migrate|serve`` as a process: JSON logs, graceful stop, bad config."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ropo_platform.testing.ports import free_port
from ropo_platform.testing.processes import ManagedProcess

pytestmark = pytest.mark.slow


def gateway_env(tmp_path: Path, port: int) -> dict[str, str]:
    return {
        "ROPO_ENV": "test",
        "ROPO_GATEWAY_PORT": str(port),
        "ROPO_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        "ROPO_GATEWAY_INVOICE_ADDR": f"127.0.0.1:{free_port()}",
        "ROPO_GATEWAY_AUTHORIZATION_ADDR": f"127.0.0.1:{free_port()}",
    }


def test_migrate_serve_and_stop_gracefully(tmp_path: Path) -> None:
    port = free_port()
    env = gateway_env(tmp_path, port)
    migrate = ManagedProcess(
        [sys.executable, "-m", "ropo_gateway", "migrate"],
        log_path=tmp_path / "migrate.log",
        env=env,
        cwd=tmp_path,
    ).start()
    assert migrate.wait(timeout=60) == 0, migrate.output()
    serve = ManagedProcess(
        [sys.executable, "-m", "ropo_gateway", "serve"],
        log_path=tmp_path / "serve.log",
        env=env,
        cwd=tmp_path,
    ).start()
    try:
        deadline = time.monotonic() + 30
        while True:
            assert serve.returncode is None, serve.output()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz?token=secret-value").is_success:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, serve.output()
            time.sleep(0.1)
    finally:
        code = serve.terminate(timeout=20)
    assert code == 0, serve.output()
    lines = [json.loads(line) for line in serve.output().splitlines() if line.strip()]
    events = [line["event"] for line in lines]
    assert "gateway_starting" in events and "gateway_stopped" in events
    assert all(line["service"] == "gateway" for line in lines)
    assert "secret-value" not in serve.output()  # query strings are never logged


def test_bad_configuration_fails_fast_with_a_readable_line(tmp_path: Path) -> None:
    env = {
        **gateway_env(tmp_path, free_port()),
        "ROPO_GATEWAY_PORT": "not-a-port",
        "ROPO_GATEWAY_OIDC_SIGNING_ALGORITHMS": '["HS256"]',
    }
    result = subprocess.run(
        [sys.executable, "-m", "ropo_gateway", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "ROPO_GATEWAY_PORT" in result.stderr
    assert "ROPO_GATEWAY_OIDC_SIGNING_ALGORITHMS" in result.stderr
