"""The suite as separate real processes, for end-to-end, browser and trace tests.

``start_stack(tmp_dir)`` starts, on free ports and with temporary SQLite files:

- a private ``nats-server`` with JetStream;
- invoice and authorization: ``migrate`` (run to completion), then ``serve`` and ``worker``;
- the sandbox identity broker (``python -m ropo_sandbox serve``), issuer ``http://localhost:<port>/idp``;
- the gateway (``python -m ropo_gateway migrate`` then ``serve``), public URL
  ``http://localhost:<port>``, ``cookie_secure=false`` so plain-http clients keep the cookie.

``start_stack(tmp_dir, services=False)`` starts only the sandbox and the gateway (the
gateway's peer addresses then point at closed ports: pages answer 503).

Every process writes stdout+stderr to ``<tmp_dir>/logs/<name>.log``; ``Stack.logs()``
returns them so a test can scan every line (e.g. for a henkilötunnus). ``extra_env``
is passed to every process (e.g. ``OTEL_EXPORTER_OTLP_ENDPOINT`` for a trace test).

Browser-facing URLs use ``localhost`` (not 127.0.0.1) so cookies and the registered
redirect URI match what a browser sees.

Use the ``stack`` fixture below (session scope) or ``start_stack`` directly; helpers:
``login(client, person_id)`` drives the OIDC login with httpx; ``ensure_demo_invoices``
(or ``import_finvoice`` + ``wait_until_accessible``) feeds the sandbox's demo Finvoice
invoices of a test person through the real import path and waits until authorization
has consumed ``invoice_registered``; ``person_subject`` gives ``persons/{key}``.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from html import unescape
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ropo.authorization.v1 import authorization_service_pb2, authorization_service_pb2_grpc
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, invoice_service_pb2_grpc
from ropo_platform.pseudonym import person_key, person_party
from ropo_platform.testing.nats_server import NatsServer
from ropo_platform.testing.ports import free_port
from ropo_platform.testing.processes import ManagedProcess
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.generator import generate
from ropo_sandbox.demo.importer import request_id_for
from ropo_sandbox.demo.model import DemoInvoice
from ropo_sandbox.persons import person_by_id

REPO_ROOT = Path(__file__).resolve().parents[2]
# Shared by invoice, authorization and gateway (all three derive the same person keys).
PERSON_KEY_SECRET = "e2e-test-person-key-secret-0123456789abcdef"
CLIENT_SECRET = "e2e-test-oidc-client-secret"
STARTUP_TIMEOUT = 60.0
SERVICES = ("invoice", "authorization")
FULL_SERVICE_NAMES = {
    "invoice": "ropo.invoice.v1.InvoiceService",
    "authorization": "ropo.authorization.v1.AuthorizationService",
}


class StackError(RuntimeError):
    """A process of the stack did not come up; the message includes its log tail."""


@dataclass
class Stack:
    """Addresses of the running processes and helpers to use them."""

    tmp_dir: Path
    gateway_url: str
    sandbox_url: str
    invoice_addr: str | None
    authorization_addr: str | None
    env: dict[str, str]
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    nats: NatsServer | None = None

    # ------------------------------------------------------------------ logs

    def logs(self) -> dict[str, str]:
        """Name → captured stdout+stderr of every process started so far (incl. migrations)."""
        out = {
            path.stem: path.read_text(errors="replace")
            for path in sorted((self.tmp_dir / "logs").glob("*.log"))
        }
        if self.nats is not None and self.nats.log_file.exists():
            out["nats"] = self.nats.log_file.read_text(errors="replace")
        return out

    def log_lines(self) -> list[tuple[str, str]]:
        """``(process, line)`` for every captured line."""
        return [(name, line) for name, text in self.logs().items() for line in text.splitlines()]

    # ------------------------------------------------------------------ browser side

    @property
    def issuer(self) -> str:
        return f"{self.sandbox_url}/idp"

    def client(self) -> httpx.Client:
        """A cookie-keeping HTTP client that follows no redirects (tests see every hop)."""
        return httpx.Client(follow_redirects=False, timeout=15.0)

    def login(self, client: httpx.Client, person_id: str) -> httpx.Response:
        """Log ``person_id`` (a sandbox test person) in; returns the callback's response."""
        start = client.get(f"{self.gateway_url}/login")
        assert start.status_code == 303, start.text
        page = client.get(start.headers["location"])
        assert page.status_code == 200, page.text
        action, transaction = authorize_form(page.text)
        decision = client.post(
            httpx.URL(start.headers["location"]).join(action),
            data={"transaction": transaction, "person": person_id, "action": "login"},
        )
        assert decision.status_code in (302, 303), decision.text
        return client.get(decision.headers["location"])

    def staff_login(self, client: httpx.Client, user_id: str) -> httpx.Response:
        """Log a Ropo One staff user in through the broker's staff client; returns the
        callback's response."""
        start = client.get(f"{self.gateway_url}/ropo-one/kirjaudu")
        assert start.status_code == 303, start.text
        page = client.get(start.headers["location"])
        assert page.status_code == 200 and 'name="staff_user"' in page.text
        action, transaction = authorize_form(page.text)
        decision = client.post(
            httpx.URL(start.headers["location"]).join(action),
            data={"transaction": transaction, "staff_user": user_id, "action": "login"},
        )
        assert decision.status_code == 303, decision.text
        return client.get(decision.headers["location"])

    # ------------------------------------------------------------------ gRPC side

    def _channel(self, address: str | None) -> grpc.aio.Channel:
        if address is None:
            raise RuntimeError("the stack was started without services")
        return grpc.aio.insecure_channel(address)

    async def import_finvoice(
        self, xml: bytes, request_id: str | None = None
    ) -> invoice_pb2.Invoice:
        """Import through the real path (gRPC ImportFinvoice); returns the stored invoice."""
        async with self._channel(self.invoice_addr) as channel:
            stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
            response: invoice_service_pb2.ImportFinvoiceResponse = await stub.ImportFinvoice(
                invoice_service_pb2.ImportFinvoiceRequest(
                    request_id=request_id or str(uuid.uuid4()), finvoice_xml=xml
                ),
                timeout=15,
            )
        return response.invoice

    async def ensure_demo_invoices(self, person_id: str) -> list[invoice_pb2.Invoice]:
        """Import the sandbox's demo Finvoice invoices of ``person_id`` (idempotent: a second
        call finds them by creditor + invoice number) and wait until authorization lets the
        person see each of them. Returns the stored invoices."""
        subject = person_subject(person_id)
        stored: list[invoice_pb2.Invoice] = []
        for demo in demo_invoices_of(person_id):
            document = finvoice_xml(demo)
            stored.append(await self.import_finvoice(document, request_id_for(document)))
        for invoice in stored:
            await self.wait_until_accessible(subject, invoice.name)
        return stored

    def ensure_demo_invoices_sync(self, person_id: str) -> list[invoice_pb2.Invoice]:
        """``ensure_demo_invoices`` for synchronous tests. Runs in a worker thread with its own
        event loop: Playwright's sync API keeps a loop running in the test's thread."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, self.ensure_demo_invoices(person_id)).result()

    async def accessible_invoices(self, subject: str) -> list[str]:
        async with self._channel(self.authorization_addr) as channel:
            stub = authorization_service_pb2_grpc.AuthorizationServiceStub(channel)
            response = await stub.ListAccessibleInvoices(
                authorization_service_pb2.ListAccessibleInvoicesRequest(
                    subject=subject, page_size=1000
                ),
                timeout=10,
            )
        return [entry.invoice for entry in response.accessible_invoices]

    async def wait_until_accessible(self, subject: str, invoice: str, within: float = 30.0) -> None:
        """Wait until authorization consumed ``invoice_registered`` for ``invoice``."""
        deadline = time.monotonic() + within
        while invoice not in await self.accessible_invoices(subject):
            if time.monotonic() > deadline:
                raise AssertionError(f"{invoice} not accessible to {subject} within {within}s")
            await asyncio.sleep(0.1)

    # ------------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        """SIGTERM every process (gateway first), then the NATS server."""
        for name in reversed(list(self.processes)):
            self.processes[name].terminate(timeout=15)
        if self.nats is not None:
            self.nats.stop()


def person_subject(person_id: str) -> str:
    """``persons/{key}`` of a sandbox test person, as every service of the stack derives it."""
    person = person_by_id(person_id)
    if person is None:
        raise KeyError(person_id)
    return person_party(person_key(person.hetu, PERSON_KEY_SECRET.encode()))


def demo_invoices_of(person_id: str, seed: int = 1) -> list[DemoInvoice]:
    """The demo generator's invoices whose debtor is ``person_id`` (due dates around today)."""
    person = person_by_id(person_id)
    if person is None:
        raise KeyError(person_id)
    return [
        invoice
        for invoice in generate(seed, date.today())
        if invoice.buyer.identifier == person.hetu
    ]


def authorize_form(page: str) -> tuple[str, str]:
    """``(action, transaction)`` of the broker's *Tunnistaudu* form."""
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    transaction = re.search(r'name="transaction" value="([^"]+)"', page)
    assert action and transaction, "not the broker's login page"
    return unescape(action.group(1)), unescape(transaction.group(1))


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _run_to_completion(name: str, args: list[str], env: Mapping[str, str], logs: Path) -> None:
    process = ManagedProcess(args, log_path=logs / f"{name}.log", env=env, cwd=logs.parent)
    process.start()
    code = process.wait(timeout=STARTUP_TIMEOUT)
    if code != 0:
        raise StackError(f"{name} exited with {code}:\n{process.output()[-4000:]}")


def _start(stack: Stack, name: str, args: list[str], env: Mapping[str, str]) -> ManagedProcess:
    logs = stack.tmp_dir / "logs"
    process = ManagedProcess(args, log_path=logs / f"{name}.log", env=env, cwd=stack.tmp_dir)
    stack.processes[name] = process.start()
    return process


def _check_alive(stack: Stack) -> None:
    for name, process in stack.processes.items():
        if process.returncode is not None:
            raise StackError(
                f"{name} exited with {process.returncode}:\n{process.output()[-4000:]}"
            )


def _wait(stack: Stack, what: str, probe: Callable[[], bool]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        _check_alive(stack)
        try:
            if probe():
                return
        except (httpx.HTTPError, grpc.RpcError, OSError):
            pass
        if time.monotonic() > deadline:
            raise StackError(
                f"{what} not ready within {STARTUP_TIMEOUT}s; logs:\n"
                + "\n".join(f"--- {k}\n{v[-2000:]}" for k, v in stack.logs().items())
            )
        time.sleep(0.1)


def _grpc_serving(address: str, service: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=1
        )
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


def _http_ok(url: str) -> bool:
    return httpx.get(url, timeout=1).status_code == 200


def _start_service(stack: Stack, service: str, nats_url: str, base_env: dict[str, str]) -> str:
    prefix = f"ROPO_{service.upper()}_"
    port = free_port()
    env = {
        **base_env,
        f"{prefix}DATABASE_URL": f"sqlite+aiosqlite:///{stack.tmp_dir / f'{service}.db'}",
        f"{prefix}NATS_URL": nats_url,
        f"{prefix}GRPC_HOST": "127.0.0.1",
        f"{prefix}GRPC_PORT": str(port),
        f"{prefix}METRICS_PORT": str(free_port()),
        f"{prefix}WORKER_METRICS_PORT": str(free_port()),
        f"{prefix}PERSON_KEY_SECRET": PERSON_KEY_SECRET,
    }
    module = f"ropo_{service}"
    _run_to_completion(
        f"{service}-migrate", _python("-m", module, "migrate"), env, stack.tmp_dir / "logs"
    )
    _start(stack, f"{service}-serve", _python("-m", module, "serve"), env)
    _start(stack, f"{service}-worker", _python("-m", module, "worker"), env)
    return f"127.0.0.1:{port}"


def start_stack(
    tmp_dir: Path, *, services: bool = True, extra_env: Mapping[str, str] | None = None
) -> Stack:
    """Start the processes (see the module docstring); ``Stack.stop()`` ends them."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    (tmp_dir / "logs").mkdir(exist_ok=True)
    base_env = {
        "ROPO_ENV": "test",
        "PYTHONUNBUFFERED": "1",
        # Never let a developer's OTLP endpoint or dev ports leak into the test processes.
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        **(extra_env or {}),
    }
    sandbox_port, gateway_port = free_port(), free_port()
    stack = Stack(
        tmp_dir=tmp_dir,
        gateway_url=f"http://localhost:{gateway_port}",
        sandbox_url=f"http://localhost:{sandbox_port}",
        invoice_addr=None,
        authorization_addr=None,
        env=base_env,
    )
    try:
        if services:
            stack.nats = NatsServer(tmp_dir / "nats-store")
            stack.nats.start()
            stack.invoice_addr = _start_service(stack, "invoice", stack.nats.url, base_env)
            stack.authorization_addr = _start_service(
                stack, "authorization", stack.nats.url, base_env
            )
        _start(
            stack,
            "sandbox",
            _python("-m", "ropo_sandbox", "serve"),
            {
                **base_env,
                "ROPO_SANDBOX_HOST": "127.0.0.1",
                "ROPO_SANDBOX_PORT": str(sandbox_port),
                "ROPO_SANDBOX_PUBLIC_BASE_URL": stack.sandbox_url,
                "ROPO_SANDBOX_GATEWAY_REDIRECT_URIS": f"{stack.gateway_url}/auth/callback",
                "ROPO_SANDBOX_GATEWAY_CLIENT_SECRET": CLIENT_SECRET,
            },
        )
        gateway_env = {
            **base_env,
            "ROPO_GATEWAY_HOST": "127.0.0.1",
            "ROPO_GATEWAY_PORT": str(gateway_port),
            "ROPO_GATEWAY_PUBLIC_URL": stack.gateway_url,
            "ROPO_GATEWAY_COOKIE_SECURE": "false",
            "ROPO_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_dir / 'gateway.db'}",
            "ROPO_GATEWAY_OIDC_ISSUER": stack.issuer,
            "ROPO_GATEWAY_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "ROPO_GATEWAY_PERSON_KEY_SECRET": PERSON_KEY_SECRET,
            # Without services: closed ports, so every page needing them answers 503.
            "ROPO_GATEWAY_INVOICE_ADDR": stack.invoice_addr or f"127.0.0.1:{free_port()}",
            "ROPO_GATEWAY_AUTHORIZATION_ADDR": (
                stack.authorization_addr or f"127.0.0.1:{free_port()}"
            ),
        }
        _run_to_completion(
            "gateway-migrate",
            _python("-m", "ropo_gateway", "migrate"),
            gateway_env,
            tmp_dir / "logs",
        )
        _start(stack, "gateway", _python("-m", "ropo_gateway", "serve"), gateway_env)

        _wait(
            stack,
            "sandbox",
            lambda: _http_ok(
                f"http://127.0.0.1:{sandbox_port}/idp/.well-known/openid-configuration"
            ),
        )
        _wait(stack, "gateway", lambda: _http_ok(f"http://127.0.0.1:{gateway_port}/healthz"))
        for service in SERVICES if services else ():
            address = stack.invoice_addr if service == "invoice" else stack.authorization_addr
            _wait(stack, service, partial(_grpc_serving, str(address), FULL_SERVICE_NAMES[service]))
        if services:
            _wait(
                stack,
                "gateway readiness",
                lambda: _http_ok(f"http://127.0.0.1:{gateway_port}/readyz"),
            )
    except BaseException:
        stack.stop()
        raise
    return stack


# One stack per test session even when several conftests import the ``stack`` fixture
# (tests/e2e, tests/browser, ...): they share this module, hence this holder.
_shared: dict[str, object] = {"stack": None, "users": 0}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The full stack (nats, invoice, authorization, sandbox, gateway), once per session."""
    running = _shared["stack"]
    if not isinstance(running, Stack):
        running = start_stack(tmp_path_factory.mktemp("stack"))
        _shared["stack"] = running
    _shared["users"] = int(str(_shared["users"])) + 1
    try:
        yield running
    finally:
        _shared["users"] = int(str(_shared["users"])) - 1
        if _shared["users"] == 0:
            _shared["stack"] = None
            running.stop()


__all__ = [
    "CLIENT_SECRET",
    "PERSON_KEY_SECRET",
    "Stack",
    "StackError",
    "authorize_form",
    "demo_invoices_of",
    "person_subject",
    "stack",
    "start_stack",
]
