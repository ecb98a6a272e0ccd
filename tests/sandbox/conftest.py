"""Fixtures of the sandbox tests: a real uvicorn server on a free port, in a thread.

The app gets a fake clock (to expire codes without sleeping) and an in-memory
log stream (to check that no henkilötunnus is ever logged).
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from ropo_sandbox.app import create_app
from ropo_sandbox.config import SandboxSettings
from sandbox_support import (
    CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    FakeClock,
    RunningBroker,
    free_port,
)


# Module scope: one server per test module (start-up and a fresh RSA key are the
# slow part). Tests only move the clock forward and use their own logins.
@pytest.fixture(scope="module")
def broker() -> Iterator[RunningBroker]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = SandboxSettings(
        public_base_url=base_url,
        gateway_redirect_uris=(REDIRECT_URI, OTHER_REDIRECT_URI),
        gateway_client_secret=SecretStr(CLIENT_SECRET),
    )
    clock, logs = FakeClock(), io.StringIO()
    app = create_app(settings, clock=clock, log_stream=logs)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.01)
    try:
        yield RunningBroker(base_url, clock, logs, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(broker: RunningBroker) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client that does not follow redirects (we inspect them)."""
    with httpx.Client(base_url=broker.base_url, follow_redirects=False, timeout=10) as client:
        yield client
