"""The walking skeleton as real processes, prepared for load: one person with N invoices.

Starts the same process set as the end-to-end tests (NATS, invoice and authorization with
their workers, the sandbox identity broker, the gateway; SQLite files in a temporary
folder), imports ``invoices_per_person`` Finvoice invoices for one test person through the
real import path, waits until authorization has consumed every ``invoice_registered``, and
logs the person in through the OIDC flow. The two ``*_call`` methods return the coroutine
factories the load driver runs.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType

import aiohttp
import grpc
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.importer import request_id_for
from ropo_sandbox.demo.model import DemoInvoice
from ropo_sandbox.identifiers import national_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from loadgen import http_session
from ropo_stack import Stack, demo_invoices_of, person_subject, start_stack

PERSON_ID = "maija-meikalainen"


def invoices_for_load(person_id: str, count: int) -> list[DemoInvoice]:
    """``count`` invoices of ``person_id``: the demo ones, then copies with new numbers."""
    templates = demo_invoices_of(person_id)
    invoices: list[DemoInvoice] = []
    for index in range(count):
        template = templates[index % len(templates)]
        if index < len(templates):
            invoices.append(template)
            continue
        number = f"{9_000_000 + index}"
        invoices.append(
            dataclasses.replace(
                template,
                number=number,
                reference=national_reference(number),
                reference_kind="national",
            )
        )
    return invoices


class SkeletonStack:
    """``async with SkeletonStack(invoices_per_person=20) as stack: ...``"""

    def __init__(self, invoices_per_person: int) -> None:
        self.invoices_per_person = invoices_per_person
        self._tmp = tempfile.TemporaryDirectory(prefix="ropo-bench-")
        self._stack: Stack | None = None
        self._channel: grpc.aio.Channel | None = None
        self._cookies: dict[str, str] = {}
        self._http: aiohttp.ClientSession | None = None

    @property
    def stack(self) -> Stack:
        if self._stack is None:
            raise RuntimeError("use SkeletonStack in an async with block")
        return self._stack

    async def __aenter__(self) -> SkeletonStack:
        self._stack = start_stack(Path(self._tmp.name))
        try:
            await self._prepare()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _prepare(self) -> None:
        subject = person_subject(PERSON_ID)
        names = []
        for invoice in invoices_for_load(PERSON_ID, self.invoices_per_person):
            document = finvoice_xml(invoice)
            stored = await self.stack.import_finvoice(document, request_id_for(document))
            names.append(stored.name)
        for name in names:
            await self.stack.wait_until_accessible(subject, name)
        with self.stack.client() as client:
            self.stack.login(client, PERSON_ID)
            self._cookies = dict(client.cookies.items())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.close()
        if self._channel is not None:
            await self._channel.close()
        if self._stack is not None:
            self._stack.stop()
        self._tmp.cleanup()

    def resident_memory_mib(self) -> dict[str, float]:
        """Resident memory (VmRSS) of each long-running process of the stack, in MiB."""
        sizes: dict[str, float] = {}
        for name, process in self.stack.processes.items():
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
            except (OSError, RuntimeError):
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    sizes[name] = int(line.split()[1]) / 1024
        return sizes

    def list_invoices_call(self) -> Callable[[], Awaitable[object]]:
        """One ``ListInvoices`` of the person's open invoices, straight to the invoice service."""
        self._channel = grpc.aio.insecure_channel(str(self.stack.invoice_addr))
        stub = invoice_service_pb2_grpc.InvoiceServiceStub(self._channel)
        request = invoice_service_pb2.ListInvoicesRequest(
            debtor_party=person_subject(PERSON_ID), page_size=50
        )

        async def call() -> None:
            response = await stub.ListInvoices(request, timeout=30)
            if len(response.invoices) == 0:
                raise RuntimeError("ListInvoices returned no invoices")

        return call

    def dashboard_call(self, in_flight: int) -> Callable[[], Awaitable[object]]:
        """One ``GET /api/myropo/v1/invoices`` as the logged-in person."""
        http = self._http = http_session(self.stack.gateway_url, in_flight, self._cookies)

        async def call() -> None:
            async with http.get("/api/myropo/v1/invoices") as response:
                response.raise_for_status()
                await response.read()

        return call
