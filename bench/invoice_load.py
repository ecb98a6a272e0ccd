"""The two loads of the invoice benchmark, through the real gRPC server.

``run_import`` streams prepared ``ImportInvoicesRequest`` messages over ``streams``
concurrent ``ImportInvoices`` calls of ``batch`` messages each; ``run_list`` keeps a fixed
number of ``ListInvoices`` calls in flight with the shared closed-loop driver. Both
measure the CPU the server and its PostgreSQL backends used meanwhile.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import grpc
from cpu_meter import CpuMeter, CpuUse
from invoice_server import Memory, memory
from loadgen import LoadResult, run_closed_loop
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc

#: Largest gRPC message either way: an ``ImportInvoicesResponse`` of a big batch.
_MAX_MESSAGE = 64 * 1024 * 1024
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


@dataclass
class ImportOutcome:
    """What ``run_import`` measured."""

    invoices: int
    streams: int
    batch: int
    seconds: float = 0.0
    invoices_per_s: float = 0.0
    created: int = 0
    existing: int = 0
    rejected: int = 0
    failed_calls: int = 0
    #: The first few rejections (field and reason; the service never echoes values).
    sample_errors: list[str] = field(default_factory=list)
    cpu: CpuUse | None = None
    server_memory: Memory | None = None

    @property
    def errors(self) -> int:
        """Rejected messages plus messages in failed calls."""
        return self.rejected + self.failed_calls * self.batch

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        return {**asdict(self), "errors": self.errors}


def batches(
    requests: Sequence[invoice_service_pb2.ImportInvoicesRequest], size: int
) -> Iterator[Sequence[invoice_service_pb2.ImportInvoicesRequest]]:
    """Consecutive batches of at most ``size`` messages."""
    for start in range(0, len(requests), size):
        yield requests[start : start + size]


async def run_import(
    address: str,
    requests: Sequence[invoice_service_pb2.ImportInvoicesRequest],
    *,
    streams: int,
    batch: int,
    meter: CpuMeter,
    server_pid: int,
) -> ImportOutcome:
    """Stream ``requests`` in batches over ``streams`` concurrent calls; timed from the
    first message sent to the last response received."""
    outcome = ImportOutcome(invoices=len(requests), streams=streams, batch=batch)
    pending = batches(requests, batch)  # shared by the workers: each takes the next batch

    async with grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS) as channel:
        stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)

        async def worker() -> None:
            for chunk in pending:
                try:
                    response = await stub.ImportInvoices(iter(chunk), timeout=3600)
                except grpc.RpcError as error:
                    outcome.failed_calls += 1
                    _note(outcome, f"call failed: {_status(error)}")
                    continue
                outcome.created += response.created_count
                outcome.existing += response.existing_count
                outcome.rejected += response.rejected_count
                for result in response.results:
                    if result.HasField("error"):
                        _note(outcome, f"message {result.index}: {result.error.message}")

        before = await meter.snapshot()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(streams)))
        outcome.seconds = round(time.perf_counter() - started, 2)
        outcome.cpu = await meter.since(before)
    outcome.invoices_per_s = round(outcome.created / outcome.seconds, 1)
    outcome.server_memory = memory(server_pid)
    return outcome


def _note(outcome: ImportOutcome, line: str) -> None:
    if len(outcome.sample_errors) < 5:
        outcome.sample_errors.append(line)


def _status(error: grpc.RpcError) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return f"{error.code().name}: {error.details()}"
    return type(error).__name__


@dataclass(frozen=True, slots=True)
class ListScenario:
    """One ``ListInvoices`` load: whose invoices, which filter."""

    name: str
    parties: Sequence[str]
    open_only: bool = False
    query: str = ""
    #: Calls in flight; None: the run's ``--in-flight``.
    in_flight: int | None = None


@dataclass(frozen=True, slots=True)
class ListOutcome:
    """The driver's figures plus invoices per answer and CPU per call."""

    scenario: str
    load: LoadResult
    calls: int
    invoices_per_answer: float
    cpu: CpuUse
    server_cpu_ms_per_call: float
    postgres_cpu_ms_per_call: float
    server_memory: Memory

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        return {
            "scenario": self.scenario,
            **self.load.as_dict(),
            "calls": self.calls,
            "invoices_per_answer": self.invoices_per_answer,
            "cpu": asdict(self.cpu),
            "server_cpu_ms_per_call": self.server_cpu_ms_per_call,
            "postgres_cpu_ms_per_call": self.postgres_cpu_ms_per_call,
            "server_memory": asdict(self.server_memory),
        }


async def run_list(
    address: str,
    scenario: ListScenario,
    *,
    in_flight: int,
    duration_s: float,
    meter: CpuMeter,
    server_pid: int,
    seed: int = 1,
) -> ListOutcome:
    """``ListInvoices`` (page size 20) for a random debtor of the scenario per call, with
    ``in_flight`` calls in flight unless the scenario names its own number."""
    rng = random.Random(seed)
    calls = 0
    returned = 0
    async with grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS) as channel:
        stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)

        async def call() -> None:
            nonlocal calls, returned
            request = invoice_service_pb2.ListInvoicesRequest(
                debtor_party=rng.choice(scenario.parties),
                page_size=20,
                open_only=scenario.open_only,
                query=scenario.query,
            )
            response = await stub.ListInvoices(request, timeout=30)
            calls += 1
            returned += len(response.invoices)

        before = await meter.snapshot()
        load = await run_closed_loop(
            scenario.name, call, in_flight=scenario.in_flight or in_flight, duration_s=duration_s
        )
        cpu = await meter.since(before)
    return ListOutcome(
        scenario=scenario.name,
        load=load,
        calls=calls,
        invoices_per_answer=round(returned / calls, 1) if calls else 0.0,
        cpu=cpu,
        server_cpu_ms_per_call=round(cpu.server_s * 1000 / calls, 2) if calls else 0.0,
        postgres_cpu_ms_per_call=round(cpu.postgres_s * 1000 / calls, 2) if calls else 0.0,
        server_memory=memory(server_pid),
    )
