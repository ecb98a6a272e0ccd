"""Shared parts of the sandbox PSP tests, plus tests of the PSP's configuration.

Helpers live here (not in conftest) because the PSP tests may only add
``test_psp_*`` files. Everything runs over real HTTP: the sandbox and a callback
receiver each on their own uvicorn server in a thread.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError
from ropo_sandbox.app import create_app
from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.psp.signing import sign
from ropo_sandbox.psp.timestamps import iso_utc
from sandbox_support import FakeClock, free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp

ACCOUNT = "375917"
SECRET = "SAIPPUAKAUPPIAS"  # Paytrail's public test secret


@contextmanager
def serving(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread (on a free port by default); yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class RunningPsp:
    """A sandbox app served over real HTTP, with its fake clock and log."""

    base_url: str
    clock: FakeClock
    logs: io.StringIO
    app: FastAPI

    @property
    def api_url(self) -> str:
        """The PSP base URL a client is configured with."""
        return f"{self.base_url}/psp"


@contextmanager
def running_psp(**settings: Any) -> Iterator[RunningPsp]:
    """A fresh sandbox (its own in-memory PSP state) on a free port.

    The public base URL must be known before the app is built (it goes into
    ``href``), so the port is picked first and handed to ``serving``.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    clock, logs = FakeClock(), io.StringIO()
    settings.setdefault("public_base_url", base_url)
    app = create_app(SandboxSettings(**settings), clock=clock, log_stream=logs)
    with serving(app, port) as served_url:
        yield RunningPsp(served_url, clock, logs, app)


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    query: list[tuple[str, str]]
    at: float

    @property
    def params(self) -> dict[str, str]:
        """The query as a dict (single values)."""
        return dict(self.query)


@dataclass
class Receiver:
    """A merchant's callback endpoint: records every request, can fail on purpose."""

    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """The ASGI app answering every path under ``/``."""

        async def record(request: Request) -> PlainTextResponse:
            with self.lock:
                self.requests.append(
                    Received(
                        request.method,
                        request.url.path,
                        parse_qsl(request.url.query, keep_blank_values=True),
                        time.monotonic(),
                    )
                )
                left = self.failures.get(request.url.path, 0)
                if left:
                    self.failures[request.url.path] = left - 1
                    return PlainTextResponse("try again", status_code=500)
            return PlainTextResponse("OK")

        return Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])

    def new_path(self) -> str:
        """A path no other test uses, so each test reads only its own requests."""
        return f"/cb/{uuid.uuid4().hex}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on the receiver."""
        return f"{self.base_url}{path}"

    def fail(self, path: str, times: int) -> None:
        """Answer 500 to the next ``times`` requests for ``path``."""
        with self.lock:
            self.failures[path] = times

    def at(self, path: str) -> list[Received]:
        """Requests received for ``path`` so far."""
        with self.lock:
            return [received for received in self.requests if received.path == path]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver served on a free port."""
    receiver = Receiver()
    with serving(receiver.app()) as base_url:
        receiver.base_url = base_url
        yield receiver


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``check`` until true or ``timeout``; returns the last result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def order(
    stamp: str | None = None,
    *,
    amount: int = 1525,
    reference: str = "1232",
    success_url: str = "http://merchant.example/paluu",
    cancel_url: str = "http://merchant.example/paluu?peruttu=1",
    callback_success: str | None = None,
    callback_cancel: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid create-payment body (one item of ``amount`` cents)."""
    body: dict[str, Any] = {
        "stamp": stamp or str(uuid.uuid4()),
        "reference": reference,
        "amount": amount,
        "currency": "EUR",
        "language": "FI",
        "items": [{"unitPrice": amount, "units": 1, "vatPercentage": 0, "productCode": "inv-1"}],
        "customer": {"email": "maksaja@example.com"},
        "redirectUrls": {"success": success_url, "cancel": cancel_url},
    }
    if callback_success is not None:
        body["callbackUrls"] = {
            "success": callback_success,
            "cancel": callback_cancel or callback_success,
        }
    body.update(extra)
    return body


class MerchantClient:
    """Signs requests to the sandbox the way a Paytrail merchant does (sandbox's own signer)."""

    def __init__(self, psp: RunningPsp, algorithm: str = "sha256") -> None:
        self.psp = psp
        self.algorithm = algorithm
        self.http = httpx.Client(base_url=psp.api_url, timeout=10)

    def headers(
        self,
        method: str,
        body: str = "",
        *,
        skew: float = 0.0,
        nonce: str | None = None,
        transaction_id: str | None = None,
        secret: str = SECRET,
    ) -> dict[str, str]:
        """Signed headers for one request; ``skew`` moves the timestamp away from the clock."""
        headers = {
            "checkout-account": ACCOUNT,
            "checkout-algorithm": self.algorithm,
            "checkout-method": method,
            "checkout-nonce": nonce or uuid.uuid4().hex,
            "checkout-timestamp": iso_utc(self.psp.clock() + skew),
        }
        if transaction_id is not None:
            headers["checkout-transaction-id"] = transaction_id
        headers["signature"] = sign(headers, body, secret, self.algorithm)
        return headers

    def create(self, body: dict[str, Any], **options: Any) -> httpx.Response:
        """``POST /payments`` with a compact JSON body."""
        import json

        text = json.dumps(body, separators=(",", ":"))
        headers = self.headers("POST", text, **options)
        headers["content-type"] = "application/json; charset=utf-8"
        return self.http.post("/payments", content=text.encode(), headers=headers)

    def status(self, transaction_id: str, **options: Any) -> httpx.Response:
        """``GET /payments/{id}``."""
        headers = self.headers("GET", "", transaction_id=transaction_id, **options)
        return self.http.get(f"/payments/{transaction_id}", headers=headers)

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def response_signature_ok(response: httpx.Response, secret: str = SECRET) -> bool:
    """Whether a sandbox response is signed over its checkout-* headers and its raw body."""
    algorithm = response.headers["checkout-algorithm"]
    expected = sign(dict(response.headers.items()), response.text, secret, algorithm)
    return bool(expected == response.headers.get("signature"))


def query_params(url: str) -> dict[str, str]:
    """Single-valued query of a URL, blank values kept."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# --- configuration of the PSP part of the sandbox ---------------------------------------


@pytest.fixture
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ROPO_SANDBOX_") or name == "ROPO_ENV":
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("_clean_environment")
def test_psp_settings_defaults_are_the_public_test_merchant() -> None:
    settings = SandboxSettings()

    assert settings.psp_account == "375917"
    assert settings.psp_secret.get_secret_value() == "SAIPPUAKAUPPIAS"
    assert settings.psp_callback_delay_seconds == 0.0
    assert settings.psp_callback_duplicates == 1
    assert settings.psp_drop_callbacks is False
    assert "SAIPPUAKAUPPIAS" not in repr(settings)


@pytest.mark.usefixtures("_clean_environment")
def test_psp_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_SANDBOX_PSP_ACCOUNT", "695861")
    monkeypatch.setenv("ROPO_SANDBOX_PSP_SECRET", "MONISAIPPUAKAUPPIAS")
    monkeypatch.setenv("ROPO_SANDBOX_PSP_CALLBACK_DELAY_SECONDS", "2.5")
    monkeypatch.setenv("ROPO_SANDBOX_PSP_CALLBACK_DUPLICATES", "10")
    monkeypatch.setenv("ROPO_SANDBOX_PSP_DROP_CALLBACKS", "true")

    settings = SandboxSettings()

    assert settings.psp_account == "695861"
    assert settings.psp_secret.get_secret_value() == "MONISAIPPUAKAUPPIAS"
    assert settings.psp_callback_delay_seconds == 2.5
    assert settings.psp_callback_duplicates == 10
    assert settings.psp_drop_callbacks is True


@pytest.mark.usefixtures("_clean_environment")
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ROPO_SANDBOX_PSP_CALLBACK_DUPLICATES", "0"),
        ("ROPO_SANDBOX_PSP_CALLBACK_DUPLICATES", "21"),
        ("ROPO_SANDBOX_PSP_CALLBACK_DELAY_SECONDS", "-1"),
        ("ROPO_ENV", "production"),
    ],
)
def test_psp_settings_refuse_bad_values_and_production(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError):
        SandboxSettings()
