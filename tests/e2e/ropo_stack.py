"""The suite as separate real processes, for end-to-end, browser and trace tests.

``start_stack(tmp_dir)`` starts, on free ports and with temporary SQLite files:

- a private ``nats-server`` with JetStream;
- invoice, authorization, payment, refund and chat: ``migrate`` (run to completion), then
  ``serve`` and ``worker``; payment talks to the sandbox PSP and reconciles open payments every
  second; chat asks authorization and invoice about the person's invoices;
- the sandbox (``python -m ropo_sandbox serve``): identity broker with issuer
  ``http://localhost:<port>/idp``, the PSP under ``/psp``, the bank under ``/bank`` and the
  mailbox (an SMTP server the invoice service sends its e-mail to; ``Stack.mail``);
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
import dataclasses
import io
import itertools
import re
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from html import unescape
from pathlib import Path
from typing import Any, TypeVar

import grpc
import httpx
import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.js.errors import NotFoundError
from pypdf import PdfReader, PdfWriter
from ropo.authorization.v1 import authorization_service_pb2, authorization_service_pb2_grpc
from ropo.chat.v1 import chat_service_pb2, chat_service_pb2_grpc
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, invoice_service_pb2_grpc
from ropo.payment.v1 import (
    bank_payment_pb2,
    payment_pb2,
    payment_service_pb2,
    payment_service_pb2_grpc,
)
from ropo.refund.v1 import refund_case_pb2, refund_service_pb2, refund_service_pb2_grpc
from ropo_platform.money_proto import money_from_proto
from ropo_platform.pseudonym import person_key, person_party
from ropo_platform.testing.nats_server import NatsServer
from ropo_platform.testing.ports import free_port
from ropo_platform.testing.processes import ManagedProcess
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.generator import generate
from ropo_sandbox.demo.importer import request_id_for
from ropo_sandbox.demo.model import DemoInvoice
from ropo_sandbox.identifiers import national_reference
from ropo_sandbox.persons import person_by_id

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[2]
# Shared by invoice, authorization and gateway (all three derive the same person keys).
PERSON_KEY_SECRET = "e2e-test-person-key-secret-0123456789abcdef"
CLIENT_SECRET = "e2e-test-oidc-client-secret"
#: The staff user the helpers below act as in the refund service.
SUPERVISOR_ACTOR = "staffUsers/eero-esihenkilo"
STARTUP_TIMEOUT = 60.0
SERVICES = ("invoice", "authorization", "payment", "refund", "chat")
FULL_SERVICE_NAMES = {
    "invoice": "ropo.invoice.v1.InvoiceService",
    "authorization": "ropo.authorization.v1.AuthorizationService",
    "payment": "ropo.payment.v1.PaymentService",
    "refund": "ropo.refund.v1.RefundService",
    "chat": "ropo.chat.v1.ChatService",
}
#: How often the stack's payment worker asks the PSP about payments left open, and after
#: how long (seconds): short, so the dropped-callback test finishes quickly.
RECONCILE_INTERVAL_SECONDS = "1"
RECONCILE_AFTER_SECONDS = "2"


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
    payment_addr: str | None = None
    refund_addr: str | None = None
    chat_addr: str | None = None
    #: Each service's environment, e.g. to start one more process on the same database.
    service_envs: dict[str, dict[str, str]] = field(default_factory=dict)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    nats: NatsServer | None = None
    #: The sandbox mailbox's SMTP port (the invoice service's ``SMTP_PORT``).
    smtp_port: int = 0

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

    def run_sync(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` to completion from a synchronous test (in a worker thread with its own
        event loop: Playwright's sync API keeps a loop running in the test's thread)."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, work).result()

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

    # ------------------------------------------------------------------ payments

    async def import_fresh_invoice(
        self, person_id: str, *, due_in_days: int = 14
    ) -> invoice_pb2.Invoice:
        """A new open invoice of ``person_id`` (see ``fresh_demo_invoice``), imported and
        visible to the person and the payment service: tests that pay or reschedule
        something never touch another test's invoices."""
        return await self.import_demo_invoice(fresh_demo_invoice(person_id, due_in_days))

    async def import_demo_invoice(self, demo: DemoInvoice) -> invoice_pb2.Invoice:
        """Import ``demo`` as Finvoice and wait until its debtor and the payment service
        know it."""
        invoice = await self.import_finvoice(finvoice_xml(demo))
        await self.wait_until_accessible(
            person_subject_of_hetu(demo.buyer.identifier), invoice.name
        )
        await self.wait_until_payable(invoice.name)
        return invoice

    async def wait_for_invoice_state(
        self, name: str, state: invoice_pb2.Invoice.State.ValueType, within: float = 30.0
    ) -> invoice_pb2.Invoice:
        """The invoice once the invoice service has it in ``state`` (e.g. paid after the
        worker allocated a payment)."""
        deadline = time.monotonic() + within
        while (invoice := await self.get_invoice(name)).state != state:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{name} is {invoice_pb2.Invoice.State.Name(invoice.state)}, "
                    f"not {invoice_pb2.Invoice.State.Name(state)} after {within}s"
                )
            await asyncio.sleep(0.1)
        return invoice

    async def wait_until_payable(self, invoice: str, within: float = 30.0) -> None:
        """Wait until the payment service consumed ``invoice_registered`` for ``invoice``
        (read from its SQLite file: the service has no RPC for its reference index)."""
        invoice_id = invoice.removeprefix("invoices/")
        database = self.tmp_dir / "payment.db"
        deadline = time.monotonic() + within
        while True:
            if database.exists():
                with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
                    try:
                        found = db.execute(
                            "SELECT 1 FROM invoice_index WHERE invoice_id IN (?, ?)",
                            (invoice_id, invoice),
                        ).fetchone()
                    except sqlite3.OperationalError:
                        found = None
                if found:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"payment service did not learn {invoice} within {within}s")
            await asyncio.sleep(0.1)

    def payment_stub(
        self, channel: grpc.aio.Channel
    ) -> payment_service_pb2_grpc.PaymentServiceAsyncStub:
        return payment_service_pb2_grpc.PaymentServiceStub(channel)

    async def get_payment(self, name: str) -> payment_pb2.Payment:
        async with self._channel(self.payment_addr) as channel:
            response = await self.payment_stub(channel).GetPayment(
                payment_service_pb2.GetPaymentRequest(name=name), timeout=10
            )
        return response.payment

    async def wait_for_payment_state(
        self, name: str, state: payment_pb2.Payment.State.ValueType, within: float = 30.0
    ) -> payment_pb2.Payment:
        deadline = time.monotonic() + within
        while True:
            payment = await self.get_payment(name)
            if payment.state == state:
                return payment
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{name} is {payment_pb2.Payment.State.Name(payment.state)}, "
                    f"not {payment_pb2.Payment.State.Name(state)} after {within}s"
                )
            await asyncio.sleep(0.1)

    async def import_statement(
        self,
        content: bytes,
        statement_format: bank_payment_pb2.StatementFormat.ValueType = (
            bank_payment_pb2.STATEMENT_FORMAT_UNSPECIFIED
        ),
    ) -> payment_service_pb2.ImportBankStatementResponse:
        async with self._channel(self.payment_addr) as channel:
            response = await self.payment_stub(channel).ImportBankStatement(
                payment_service_pb2.ImportBankStatementRequest(
                    request_id=str(uuid.uuid4()), content=content, format=statement_format
                ),
                timeout=30,
            )
        return response

    async def get_invoice(self, name: str) -> invoice_pb2.Invoice:
        async with self._channel(self.invoice_addr) as channel:
            stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
            response = await stub.GetInvoice(
                invoice_service_pb2.GetInvoiceRequest(name=name), timeout=10
            )
        return response.invoice

    async def open_invoices_of(self, debtor_party: str) -> list[invoice_pb2.Invoice]:
        """Every open invoice whose debtor is ``debtor_party``, with its ledger."""
        found: list[invoice_pb2.Invoice] = []
        token = ""
        async with self._channel(self.invoice_addr) as channel:
            stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
            while True:
                page: invoice_service_pb2.SearchInvoicesResponse = await stub.SearchInvoices(
                    invoice_service_pb2.SearchInvoicesRequest(
                        debtor_party=debtor_party,
                        open_only=True,
                        page_size=200,
                        page_token=token,
                        view=invoice_service_pb2.INVOICE_VIEW_FULL,
                    ),
                    timeout=10,
                )
                found.extend(page.invoices)
                token = page.next_page_token
                if not token:
                    return found

    def psp(self, method: str, path: str, body: object | None = None) -> httpx.Response:
        """A call to the sandbox PSP's control API (``/psp/control/...``)."""
        with httpx.Client(timeout=15.0) as client:
            return client.request(method, f"{self.sandbox_url}/psp{path}", json=body)

    def psp_settings(self, **settings: object) -> None:
        """Change the sandbox PSP's callback behaviour (see its ``/control/settings``)."""
        response = self.psp("PUT", "/control/settings", settings)
        assert response.status_code == 200, response.text

    def settle_at_psp(self) -> bytes:
        """Ask the sandbox PSP to settle every paid transaction; returns the report file."""
        response = self.psp("POST", "/control/settlements", {})
        assert response.status_code == 201, response.text
        return response.content

    # ------------------------------------------------------------------ refunds

    def refund_stub(
        self, channel: grpc.aio.Channel
    ) -> refund_service_pb2_grpc.RefundServiceAsyncStub:
        return refund_service_pb2_grpc.RefundServiceStub(channel)

    async def refund_cases_of(self, invoice: str) -> list[refund_case_pb2.RefundCase]:
        """The refund cases opened for ``invoice`` (``invoices/{id}``), oldest first."""
        async with self._channel(self.refund_addr) as channel:
            response = await self.refund_stub(channel).ListRefundCases(
                refund_service_pb2.ListRefundCasesRequest(invoice=invoice, page_size=100),
                timeout=10,
            )
        return list(response.refund_cases)

    async def wait_for_refund_case(
        self, invoice: str, within: float = 30.0
    ) -> refund_case_pb2.RefundCase:
        """The first refund case of ``invoice``, once the refund service consumed the event."""
        deadline = time.monotonic() + within
        while not (cases := await self.refund_cases_of(invoice)):
            if time.monotonic() > deadline:
                raise AssertionError(f"no refund case for {invoice} within {within}s")
            await asyncio.sleep(0.1)
        return cases[0]

    async def get_refund_case(self, name: str) -> refund_case_pb2.RefundCase:
        async with self._channel(self.refund_addr) as channel:
            response = await self.refund_stub(channel).GetRefundCase(
                refund_service_pb2.GetRefundCaseRequest(name=name), timeout=10
            )
        return response.refund_case

    async def refund_letter(self, name: str) -> bytes:
        """The PDF letter of a refund case, as the person receives it."""
        async with self._channel(self.refund_addr) as channel:
            response = await self.refund_stub(channel).GetRefundLetter(
                refund_service_pb2.GetRefundLetterRequest(refund_case=name), timeout=10
            )
        assert response.media_type == "application/pdf"
        return response.content

    async def overpay(
        self, invoice: invoice_pb2.Invoice, excess_cents: int
    ) -> refund_case_pb2.RefundCase:
        """A bank transfer of the invoice's open amount plus ``excess_cents``; returns the
        refund case the excess opens."""
        open_cents = money_from_proto(invoice.open_amount).minor_units
        transfer = reference_payment_file(
            [(invoice.reference, open_cents + excess_cents)], date.today()
        )
        assert (await self.import_statement(transfer)).matched_count == 1
        return await self.wait_for_refund_case(invoice.name)

    async def refund_credentials(self, name: str) -> tuple[str, str]:
        """The case number and MyRopo ID as the person reads them from the PDF letter."""
        letter = await self.refund_letter(name)
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(letter)).pages)
        case_number = re.search(r"\b9\d{9}\b", text)
        myropo_id = re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", text)
        assert case_number and myropo_id, "the letter shows no case number or MyRopo ID"
        return case_number.group(0), myropo_id.group(0)

    async def approve_refund(self, case: refund_case_pb2.RefundCase) -> refund_case_pb2.RefundCase:
        """A supervisor approves the case as it is now."""
        async with self._channel(self.refund_addr) as channel:
            response = await self.refund_stub(channel).ApproveRefund(
                refund_service_pb2.ApproveRefundRequest(
                    request_id=str(uuid.uuid4()),
                    name=case.name,
                    actor=SUPERVISOR_ACTOR,
                    actor_roles=["agent", "supervisor"],
                    etag=case.etag,
                ),
                timeout=10,
            )
        return response.refund_case

    async def export_payouts(
        self, request_id: str | None = None
    ) -> refund_service_pb2.ExportPayoutBatchResponse:
        """A supervisor exports every approved refund into a payout file."""
        async with self._channel(self.refund_addr) as channel:
            response: refund_service_pb2.ExportPayoutBatchResponse = await self.refund_stub(
                channel
            ).ExportPayoutBatch(
                refund_service_pb2.ExportPayoutBatchRequest(
                    request_id=request_id or str(uuid.uuid4()),
                    actor=SUPERVISOR_ACTOR,
                    actor_roles=["agent", "supervisor"],
                ),
                timeout=30,
            )
        return response

    # ------------------------------------------------------------------ chat

    async def start_chat(self, person_id: str, language_code: str = "fi") -> str:
        """A conversation of ``person_id`` with the bot; returns its name."""
        async with self._channel(self.chat_addr) as channel:
            response = await chat_service_pb2_grpc.ChatServiceStub(channel).StartConversation(
                chat_service_pb2.StartConversationRequest(
                    request_id=str(uuid.uuid4()),
                    customer=person_subject(person_id),
                    language_code=language_code,
                ),
                timeout=10,
            )
        return str(response.conversation.name)

    def bank(
        self, method: str, path: str, *, content: bytes | None = None, body: object | None = None
    ) -> httpx.Response:
        """A call to the sandbox bank (``/bank/...``): payout files in, status reports out."""
        with httpx.Client(timeout=15.0) as client:
            return client.request(
                method, f"{self.sandbox_url}/bank{path}", content=content, json=body
            )

    # ------------------------------------------------------------------ lifecycle

    def collect(self, invoice: str) -> None:
        """Run the invoice service's collection for ``invoice`` now, as an operator would
        (``python -m ropo_invoice collect --invoice …``): letters due today are issued."""
        _run_to_completion(
            f"collect-{next(_collect_runs)}",
            _python("-m", "ropo_invoice", "collect", "--invoice", invoice),
            self.service_envs["invoice"],
            self.tmp_dir / "logs",
        )

    def mail(self, to: str) -> list[dict[str, Any]]:
        """E-mail the sandbox's mailbox received for ``to``, newest first."""
        response = httpx.get(f"{self.sandbox_url}/mail/messages", params={"to": to}, timeout=10)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def wait_for_mail(self, to: str, count: int = 1, within: float = 30.0) -> list[dict[str, Any]]:
        """Wait until ``to`` has at least ``count`` messages; returns them, newest first."""
        deadline = time.monotonic() + within
        while True:
            messages = self.mail(to)
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM every process (gateway first), then the NATS server."""
        for name in reversed(list(self.processes)):
            self.processes[name].terminate(timeout=15)
        if self.nats is not None:
            self.nats.stop()


_fresh_numbers = itertools.count(1)
_collect_runs = itertools.count(1)


def reference_payment_file(payments: list[tuple[str, int]], booked: date) -> bytes:
    """A legacy reference-payment file (KTL) with one ``3`` record per (reference, cents)."""
    day = booked.strftime("%y%m%d")
    lines = [f"0{day}1200" + "47" + "020840699" + "1"]
    for index, (reference, amount) in enumerate(payments):
        archive = f"{day}E2E{uuid.uuid4().hex[:6].upper()}{index:01d}"[:16].ljust(16, "0")
        lines.append(
            "3"
            + "47300010416310"
            + day
            + day
            + archive
            + reference.rjust(20, "0")
            + "MEIKALAINE M"
            + "1"
            + " "
            + f"{amount:010d}"
            + "0"
            + "J"
            + " "
        )
    total = sum(amount for _, amount in payments)
    lines.append(f"9{len(payments):06d}{total:011d}{0:06d}{0:011d}")
    return "".join(line.ljust(90) + "\r\n" for line in lines).encode("latin-1")


def text_cells(database: Path) -> list[tuple[str, str, str]]:
    """``(table, column, value)`` for every text value stored in a SQLite database."""
    found = []
    with sqlite3.connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            # Table names come from the database's own catalogue.
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str):
                        found.append((table, column, value))
                    elif isinstance(value, bytes):
                        found.append((table, column, value.decode("latin-1")))
    return found


async def stream_messages(url: str) -> list[bytes]:
    """Every message (data and headers) on every JetStream stream."""
    client = await nats.connect(url)
    try:
        jetstream = client.jetstream()
        out: list[bytes] = []
        for info in await jetstream.streams_info():
            name = str(info.config.name)
            if not info.state.messages:
                continue  # an empty stream has no sequence to ask for
            for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    message = await jetstream.get_msg(name, sequence)
                except NotFoundError:
                    continue
                out.append(message.data or b"")
                out.append(repr(message.headers).encode())
        return out
    finally:
        await client.close()


def one_page_pdf() -> bytes:
    """A small, well-formed PDF (an attachment the invoice service's PDF check accepts)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fresh_demo_invoice(person_id: str, due_in_days: int = 14) -> DemoInvoice:
    """The largest of the person's demo invoices with a number and reference no other test
    uses, due in ``due_in_days`` days (negative: overdue)."""
    invoices = [demo for demo in demo_invoices_of(person_id) if not demo.is_credit_note]
    template = max(invoices, key=lambda demo: demo.amount_due)
    number = 90_000_000 + next(_fresh_numbers) * 100 + (uuid.uuid4().int % 100)
    return dataclasses.replace(
        template,
        number=str(number),
        reference=national_reference(str(number)),
        reference_kind="national",
        invoice_date=min(template.invoice_date, date.today() + timedelta(days=due_in_days)),
        due_date=date.today() + timedelta(days=due_in_days),
    )


def person_subject_of_hetu(hetu: str) -> str:
    """``persons/{key}`` of a henkilötunnus, as every service of the stack derives it."""
    return person_party(person_key(hetu, PERSON_KEY_SECRET.encode()))


def person_subject(person_id: str) -> str:
    """``persons/{key}`` of a sandbox test person, as every service of the stack derives it."""
    person = person_by_id(person_id)
    if person is None:
        raise KeyError(person_id)
    return person_subject_of_hetu(person.hetu)


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


def payment_env(stack: Stack) -> dict[str, str]:
    """What the payment service needs beyond the common variables: the sandbox PSP and the
    gateway's callback endpoint."""
    return {
        "ROPO_PAYMENT_PSP_BASE_URL": f"{stack.sandbox_url}/psp",
        "ROPO_PAYMENT_PSP_CALLBACK_URL": f"{stack.gateway_url}/maksu/callback",
        "ROPO_PAYMENT_RECONCILE_INTERVAL_SECONDS": RECONCILE_INTERVAL_SECONDS,
        "ROPO_PAYMENT_RECONCILE_AFTER_SECONDS": RECONCILE_AFTER_SECONDS,
        # A short lease, so the crash test's retry can take over an abandoned create soon.
        "ROPO_PAYMENT_PSP_TIMEOUT_SECONDS": "3",
        "ROPO_PAYMENT_CREATE_LEASE_SECONDS": "4",
    }


def invoice_env(stack: Stack) -> dict[str, str]:
    """The invoice service e-mails through the sandbox's mailbox, checking every second."""
    return {
        "ROPO_INVOICE_SMTP_HOST": "127.0.0.1",
        "ROPO_INVOICE_SMTP_PORT": str(stack.smtp_port),
        "ROPO_INVOICE_SMTP_FROM": "MyRopo <myropo@example.test>",
        "ROPO_INVOICE_EMAIL_INTERVAL": "1",
        "ROPO_INVOICE_PORTAL_URL": stack.gateway_url,
    }


def refund_env(stack: Stack) -> dict[str, str]:
    """The refund service prints the gateway's address on its letters."""
    return {"ROPO_REFUND_PORTAL_URL": stack.gateway_url}


def chat_env(stack: Stack) -> dict[str, str]:
    """The chatbot answers from the person's invoices: it asks authorization and invoice."""
    return {
        "ROPO_CHAT_INVOICE_ADDR": str(stack.invoice_addr),
        "ROPO_CHAT_AUTHORIZATION_ADDR": str(stack.authorization_addr),
    }


def service_env(
    stack: Stack, service: str, nats_url: str, base_env: Mapping[str, str]
) -> dict[str, str]:
    """The environment of one service's processes, on fresh ports and its own SQLite file."""
    prefix = f"ROPO_{service.upper()}_"
    return {
        **base_env,
        **(invoice_env(stack) if service == "invoice" else {}),
        **(payment_env(stack) if service == "payment" else {}),
        **(refund_env(stack) if service == "refund" else {}),
        **(chat_env(stack) if service == "chat" else {}),
        f"{prefix}DATABASE_URL": f"sqlite+aiosqlite:///{stack.tmp_dir / f'{service}.db'}",
        f"{prefix}NATS_URL": nats_url,
        f"{prefix}GRPC_HOST": "127.0.0.1",
        f"{prefix}GRPC_PORT": str(free_port()),
        f"{prefix}METRICS_PORT": str(free_port()),
        f"{prefix}WORKER_METRICS_PORT": str(free_port()),
        f"{prefix}PERSON_KEY_SECRET": PERSON_KEY_SECRET,
    }


def _start_service(stack: Stack, service: str, nats_url: str, base_env: dict[str, str]) -> str:
    env = service_env(stack, service, nats_url, base_env)
    stack.service_envs[service] = env
    module = f"ropo_{service}"
    _run_to_completion(
        f"{service}-migrate", _python("-m", module, "migrate"), env, stack.tmp_dir / "logs"
    )
    _start(stack, f"{service}-serve", _python("-m", module, "serve"), env)
    _start(stack, f"{service}-worker", _python("-m", module, "worker"), env)
    return f"127.0.0.1:{env[f'ROPO_{service.upper()}_GRPC_PORT']}"


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
        smtp_port=free_port(),
    )
    try:
        if services:
            stack.nats = NatsServer(tmp_dir / "nats-store")
            stack.nats.start()
            stack.invoice_addr = _start_service(stack, "invoice", stack.nats.url, base_env)
            stack.authorization_addr = _start_service(
                stack, "authorization", stack.nats.url, base_env
            )
            stack.payment_addr = _start_service(stack, "payment", stack.nats.url, base_env)
            stack.refund_addr = _start_service(stack, "refund", stack.nats.url, base_env)
            stack.chat_addr = _start_service(stack, "chat", stack.nats.url, base_env)
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
                "ROPO_SANDBOX_SMTP_PORT": str(stack.smtp_port),
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
            "ROPO_GATEWAY_PAYMENT_ADDR": stack.payment_addr or f"127.0.0.1:{free_port()}",
            "ROPO_GATEWAY_REFUND_ADDR": stack.refund_addr or f"127.0.0.1:{free_port()}",
            "ROPO_GATEWAY_CHAT_ADDR": stack.chat_addr or f"127.0.0.1:{free_port()}",
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
        addresses = {
            "invoice": stack.invoice_addr,
            "authorization": stack.authorization_addr,
            "payment": stack.payment_addr,
            "refund": stack.refund_addr,
            "chat": stack.chat_addr,
        }
        for service in SERVICES if services else ():
            address = addresses[service]
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
