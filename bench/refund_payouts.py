"""Refund benchmark: *Ilmoita tilinumero* over gRPC, approval, one payout file of every
refund and the bank's status report back, against the real refund server.

    make bench-refunds                                        # SQLite file, 2000 cases
    make bench-refunds BENCH_ARGS='--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres'
    make bench-refunds BENCH_ARGS='--cases 200 --concurrency 5'

1. makes the run's database — a SQLite file in a temporary folder, or with ``--postgres``
   a fresh ``ropo_bench_refunds_<timestamp>`` beside the given administrative URL (dropped
   at the end unless ``--keep``) — and migrates it (``python -m ropo_refund migrate``);
2. opens ``--cases`` overpayment cases through the service layer's open-from-event handler
   (what the worker's invoice-event consumer runs), one at a time, in this process; each
   case has its own person, amount and debtor name;
3. starts ``python -m ropo_refund serve`` and, with ``--concurrency`` callers, runs the
   wizard for every case: ``VerifyRefundCase`` (case number and MyRopo ID as printed on
   the letter) → ``SubmitRefundAccount`` (a valid Finnish IBAN as a person types it, the
   debtor's own name as holder) → ``ConfirmRefundAccount`` (the etag step 2 showed);
   latency per step and per whole report, reports per second;
4. approves every case (``ApproveRefund`` by a supervisor, same concurrency);
5. ``ExportPayoutBatch`` once for all of them: wall time, file size, the server's resident
   memory before and at its peak during the call (``VmHWM`` reset just before), server
   (and PostgreSQL) CPU; the file is read back with ``read_pain001``: its transaction count
   and control sum must equal the approved cases and the sum of their payout amounts;
6. the sandbox bank's pain.002 for the file (everything paid), timed through
   ``ImportPayoutStatus``; every case must come back paid and the batch complete;
7. prints Markdown tables, the command line and the machine (JSON in ``--output``).

Exit status 1 when a call failed or a check did not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg
import grpc
import grpc.aio
from cpu_meter import CpuMeter, CpuUse, Snapshot
from google.protobuf.message import Message
from invoice_db import libpq_dsn, server_version
from invoice_import import log, machine_facts
from invoice_server import Memory, cpu_of, memory
from loadgen import percentile
from refund_server import (
    APPLICATION_NAME,
    RefundServer,
    create_postgres_database,
    drop_postgres_database,
    migrate,
    new_database_name,
    reset_peak_memory,
)
from ropo.refund.v1 import payout_batch_pb2, refund_case_pb2
from ropo.refund.v1 import refund_service_pb2 as pb
from ropo.refund.v1 import refund_service_pb2_grpc as pb_grpc
from ropo_gateway.clients.refunds import BATCH_TIMEOUT_SECONDS
from ropo_platform.config import Environment
from ropo_platform.db import Database, EngineOptions
from ropo_platform.logging import configure_logging
from ropo_platform.money import Money
from ropo_platform.money_proto import money_from_proto
from ropo_platform.rpc.client import DEFAULT_CHANNEL_OPTIONS
from ropo_refund.adapters.pain001 import read_pain001
from ropo_refund.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_refund.bootstrap import bootstrap
from ropo_refund.config import RefundSettings
from ropo_refund.domain.identifiers import format_myropo_id
from ropo_refund.service_layer.opening import OverpaymentDetected
from ropo_sandbox.bank.status import status_report
from schwifty import IBAN

BENCH_DIR = Path(__file__).resolve().parent
SUPERVISOR = "staffUsers/bench-supervisor"
SUPERVISOR_ROLES = ("supervisor",)
#: Finnish bank codes whose BIC schwifty derives (Nordea, OP, Danske, S-Pankki, POP,
#: Aktia, Ålandsbanken, Säästöpankki, Holvi): the file then carries a BIC per transfer.
BANK_CODES = ("100", "500", "800", "360", "470", "405", "600", "715", "799")
#: Debtors' names with the letters the payout file must keep (ä, ö, å) and fold (é).
DEBTOR_NAMES = (
    "Matti Meikäläinen",
    "Maija Virtanen",
    "Anna-Liisa Korhonen",
    "Jukka Nieminen",
    "Åsa Lindqvist",
    "Pekka Mäkinen",
    "Sanna Hämäläinen",
    "Mikko Heikkinen",
    "Ørjan Sørensen",
    "René Laitinen",
    "Tiina Koskinen",
    "Björn Öhman",
)
CALL_TIMEOUT_S = 60.0
#: The export builds and checks the whole file in one call: a generous deadline, so a
#: slow run is measured rather than cut off.
BATCH_TIMEOUT_S = 900.0
#: The deadline Ropo One gives the batch calls (export and import).
GATEWAY_DEADLINE_S = BATCH_TIMEOUT_SECONDS

Item = TypeVar("Item")


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True, slots=True)
class Applicant:
    """One case as its person knows it: the letter's codes and the account to report."""

    name: str
    case_number: str
    myropo_id: str
    person: str
    holder_name: str
    iban: str


def person_of(index: int) -> str:
    """A well-formed, synthetic ``persons/{key}`` per case."""
    digest = hashlib.sha256(f"ropo-bench-refund-person-{index}".encode()).digest()
    return "persons/" + base64.b32encode(digest).decode().lower()[:32]


def iban_of(index: int) -> str:
    """A valid Finnish IBAN per case (national check digit included), as printed."""
    iban = IBAN.generate(
        "FI", bank_code=BANK_CODES[index % len(BANK_CODES)], account_code=str(100_000 + index)
    )
    return str(iban.formatted)


def refund_amount(rng: random.Random) -> Money:
    """10.00–500.00 €, drawn in whole cents."""
    return Money(Decimal(rng.randint(1_000, 50_000)) / 100, "EUR")


async def open_cases(url: str, count: int, seed: int) -> tuple[list[Applicant], list[float]]:
    """``count`` overpayment cases opened as the worker opens them, one transaction each;
    returns the applicants and each opening's duration."""
    settings = RefundSettings(
        database_url=url,
        grpc_port=0,
        metrics_port=None,
        worker_metrics_port=None,
        environment=Environment.TEST,
    )
    # Its own application name: the server's PostgreSQL backends are measured by theirs.
    database = Database(url, EngineOptions(application_name="ropo-bench-refund-opener"))
    app = bootstrap(settings, database=database)
    rng = random.Random(seed)
    applicants: list[Applicant] = []
    durations: list[float] = []
    try:
        for index in range(count):
            person = person_of(index)
            debtor_name = DEBTOR_NAMES[index % len(DEBTOR_NAMES)]
            event = OverpaymentDetected(
                invoice=f"invoices/bench-{index:07d}",
                payment=f"payments/bench-{index:07d}",
                debtor_party=person,
                debtor_display_name=debtor_name,
                language="fi",
                amount=refund_amount(rng),
            )
            started = time.perf_counter()
            async with SqlAlchemyUnitOfWork(app.database) as uow:
                case = await app.handlers.opener.open_case_from_overpayment(uow, event)
                await uow.commit()
            durations.append(time.perf_counter() - started)
            applicants.append(
                Applicant(
                    name=case.name,
                    case_number=case.case_number,
                    myropo_id=format_myropo_id(case.myropo_id),
                    person=person,
                    holder_name=debtor_name,
                    iban=iban_of(index),
                )
            )
    finally:
        await app.close()
    return applicants, durations


# ------------------------------------------------------------------------- measuring


class PhaseMeter(Protocol):
    async def snapshot(self) -> Snapshot: ...

    async def since(self, before: Snapshot) -> CpuUse: ...


class ServerOnlyMeter:
    """CPU of the server and this process (SQLite has no separate database process)."""

    def __init__(self, server_pid: int) -> None:
        self._server_pid = server_pid

    async def snapshot(self) -> Snapshot:
        server = cpu_of([self._server_pid]).get(self._server_pid, 0.0)
        return (time.perf_counter(), server, {}, time.process_time())

    async def since(self, before: Snapshot) -> CpuUse:
        after = await self.snapshot()
        return CpuUse(
            wall_s=round(after[0] - before[0], 2),
            server_s=round(after[1] - before[1], 2),
            postgres_s=0.0,
            client_s=round(after[3] - before[3], 2),
        )


@dataclass
class Phase:
    """Latencies of one kind of call (or of a sequence of calls) over a phase."""

    name: str
    concurrency: int
    latencies_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    cpu: CpuUse | None = None
    #: Whether ``wall_s`` and ``cpu`` belong to this row (a step shares its phase's).
    owns_wall: bool = True

    @property
    def per_s(self) -> float:
        return len(self.latencies_s) / self.wall_s if self.wall_s else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(sorted(self.latencies_s), fraction) * 1000

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "concurrency": self.concurrency,
            "n": len(self.latencies_s),
            "wall_s": round(self.wall_s, 3) if self.owns_wall else None,
            "per_s": round(self.per_s, 1) if self.owns_wall else None,
            "p50_ms": round(self.ms(0.5), 2),
            "p90_ms": round(self.ms(0.9), 2),
            "p99_ms": round(self.ms(0.99), 2),
            "max_ms": round(max(self.latencies_s, default=0.0) * 1000, 2),
            "errors": dict(self.errors),
            "cpu": asdict(self.cpu) if self.cpu else None,
        }


@dataclass(frozen=True, slots=True)
class BatchCall:
    """One whole-batch call: its time, the server's memory and the CPU it took."""

    name: str
    refunds: int
    wall_s: float
    request_bytes: int
    response_bytes: int
    memory_before: Memory
    memory_peak_mib: float
    cpu: CpuUse


async def in_parallel(
    items: Sequence[Item], concurrency: int, work: Callable[[Item], Awaitable[None]]
) -> float:
    """``work`` on every item with ``concurrency`` callers; returns the wall time."""
    pending = iter(items)

    async def caller() -> None:
        # One shared iterator: each caller takes the next item when it is free.
        for item in pending:
            await work(item)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return time.perf_counter() - started


def new_request_id() -> str:
    return str(uuid.uuid4())


# --------------------------------------------------------------------------- phases


@dataclass(frozen=True, slots=True)
class Reported:
    """A case whose account was confirmed: what the approval needs."""

    name: str
    etag: str
    state: refund_case_pb2.RefundCase.State.ValueType
    payout: Money


async def run_wizard(
    stub: pb_grpc.RefundServiceAsyncStub, applicants: Sequence[Applicant], concurrency: int
) -> tuple[list[Phase], list[Reported]]:
    """The three steps for every case; per-step phases, then the whole report."""
    verify = Phase("VerifyRefundCase (1/3)", concurrency, owns_wall=False)
    submit = Phase("SubmitRefundAccount (2/3)", concurrency, owns_wall=False)
    confirm = Phase("ConfirmRefundAccount (3/3)", concurrency, owns_wall=False)
    whole = Phase("whole report, 1/3 → 3/3", concurrency)
    reported: list[Reported] = []

    async def report(applicant: Applicant) -> None:
        step = verify
        try:
            started = time.perf_counter()
            await stub.VerifyRefundCase(
                pb.VerifyRefundCaseRequest(
                    request_id=new_request_id(),
                    subject=applicant.person,
                    case_number=applicant.case_number,
                    myropo_id=applicant.myropo_id,
                ),
                timeout=CALL_TIMEOUT_S,
            )
            verified = time.perf_counter()
            step = submit
            submitted = await stub.SubmitRefundAccount(
                pb.SubmitRefundAccountRequest(
                    request_id=new_request_id(),
                    refund_case=applicant.name,
                    subject=applicant.person,
                    iban=applicant.iban,
                    holder_name=applicant.holder_name,
                ),
                timeout=CALL_TIMEOUT_S,
            )
            shown = time.perf_counter()
            step = confirm
            confirmed = await stub.ConfirmRefundAccount(
                pb.ConfirmRefundAccountRequest(
                    request_id=new_request_id(),
                    refund_case=applicant.name,
                    subject=applicant.person,
                    etag=submitted.refund_case.etag,
                ),
                timeout=CALL_TIMEOUT_S,
            )
            finished = time.perf_counter()
        except grpc.aio.AioRpcError as error:
            step.errors[error.code().name] += 1
            whole.errors[error.code().name] += 1
            return
        verify.latencies_s.append(verified - started)
        submit.latencies_s.append(shown - verified)
        confirm.latencies_s.append(finished - shown)
        whole.latencies_s.append(finished - started)
        case = confirmed.refund_case
        reported.append(
            Reported(case.name, case.etag, case.state, money_from_proto(case.payout_amount))
        )

    whole.wall_s = await in_parallel(applicants, concurrency, report)
    return [verify, submit, confirm, whole], reported


async def approve_all(
    stub: pb_grpc.RefundServiceAsyncStub, reported: Sequence[Reported], concurrency: int
) -> tuple[Phase, list[Reported]]:
    """``ApproveRefund`` by a supervisor for every reported case."""
    phase = Phase("ApproveRefund (supervisor)", concurrency)
    approved: list[Reported] = []

    async def approve(case: Reported) -> None:
        started = time.perf_counter()
        try:
            await stub.ApproveRefund(
                pb.ApproveRefundRequest(
                    request_id=new_request_id(),
                    name=case.name,
                    actor=SUPERVISOR,
                    actor_roles=SUPERVISOR_ROLES,
                    etag=case.etag,
                ),
                timeout=CALL_TIMEOUT_S,
            )
        except grpc.aio.AioRpcError as error:
            phase.errors[error.code().name] += 1
            return
        phase.latencies_s.append(time.perf_counter() - started)
        approved.append(case)

    phase.wall_s = await in_parallel(reported, concurrency, approve)
    return phase, approved


Response = TypeVar("Response", bound=Message)


async def batch_call(
    name: str,
    refunds: int,
    request_bytes: int,
    call: Callable[[], Awaitable[Response]],
    *,
    server_pid: int,
    meter: PhaseMeter,
) -> tuple[Response, BatchCall]:
    """``call`` timed, with the server's peak memory and CPU during it."""
    reset_peak_memory(server_pid)
    before_memory = memory(server_pid)
    before_cpu = await meter.snapshot()
    started = time.perf_counter()
    response = await call()
    wall_s = time.perf_counter() - started
    cpu = await meter.since(before_cpu)
    peak = memory(server_pid).peak_mib
    return response, BatchCall(
        name,
        refunds,
        round(wall_s, 3),
        request_bytes,
        response.ByteSize(),
        before_memory,
        peak,
        cpu,
    )


# --------------------------------------------------------------------------- report


@dataclass
class Report:
    """Everything one run measured and checked."""

    command: str
    machine: str
    database: str = f"SQLite {sqlite3.sqlite_version} file (WAL)"
    load_before: str = ""
    cases: int = 0
    concurrency: int = 0
    phases: list[Phase] = field(default_factory=list)
    batch_calls: list[BatchCall] = field(default_factory=list)
    states_after_confirm: dict[str, int] = field(default_factory=dict)
    file_bytes: int = 0
    file_transactions: int = 0
    file_control_sum: str = ""
    expected_transactions: int = 0
    expected_control_sum: str = ""
    batch_total: str = ""
    status_bytes: int = 0
    paid_count: int = 0
    failed_count: int = 0
    batch_state: str = ""
    problems: list[str] = field(default_factory=list)
    total_s: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(phase.errors for phase in self.phases)

    def as_dict(self) -> dict[str, object]:
        values = asdict(self)
        values["phases"] = [phase.as_dict() for phase in self.phases]
        return values


def _cpu_ms_per(cpu: CpuUse | None, count: int, seconds: str) -> str:
    if cpu is None or not count:
        return "–"
    value: float = getattr(cpu, seconds)
    return f"{value * 1000 / count:.1f}"


def markdown(report: Report) -> str:
    """The report as Markdown, in the style of the other benchmarks."""
    lines = [
        f"Machine: {report.machine}; load average before the run {report.load_before}; "
        f"database: {report.database}",
        f"Command: `{report.command}`",
        "",
        "| phase | n | callers | per s | p50 ms | p90 ms | p99 ms | max ms | errors "
        "| server CPU ms/op | PostgreSQL CPU ms/op |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in report.phases:
        count = len(phase.latencies_s)
        owned = phase.owns_wall
        errors = ", ".join(f"{code} {n}" for code, n in sorted(phase.errors.items())) or "0"
        lines.append(
            f"| {phase.name} | {count} | {phase.concurrency} "
            f"| {f'{phase.per_s:.1f}' if owned else '–'} | {phase.ms(0.5):.1f} "
            f"| {phase.ms(0.9):.1f} | {phase.ms(0.99):.1f} "
            f"| {max(phase.latencies_s, default=0.0) * 1000:.1f} | {errors} "
            f"| {_cpu_ms_per(phase.cpu, count, 'server_s') if owned else '–'} "
            f"| {_cpu_ms_per(phase.cpu, count, 'postgres_s') if owned else '–'} |"
        )
    lines += [
        "",
        "| one call for the whole batch | refunds | wall s | request | response "
        "| server RSS before MiB | server peak RSS MiB | peak − before MiB "
        f"| server CPU s | PostgreSQL CPU s | within the gateway's {GATEWAY_DEADLINE_S:.0f} s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for call in report.batch_calls:
        before = call.memory_before.rss_mib
        lines.append(
            f"| {call.name} | {call.refunds} | {call.wall_s:.2f} | {_size(call.request_bytes)} "
            f"| {_size(call.response_bytes)} | {before:.0f} | {call.memory_peak_mib:.0f} "
            f"| {call.memory_peak_mib - before:.0f} | {call.cpu.server_s:.2f} "
            f"| {call.cpu.postgres_s:.2f} | {'yes' if call.wall_s < GATEWAY_DEADLINE_S else 'no'} |"
        )
    per_refund = report.file_bytes / report.file_transactions if report.file_transactions else 0
    states = ", ".join(f"{state} {n}" for state, n in sorted(report.states_after_confirm.items()))
    lines += [
        "",
        f"After 3/3: {states}.",
        f"pain.001: {_size(report.file_bytes)} ({per_refund:.0f} bytes per refund); "
        f"read back with read_pain001: {report.file_transactions} transactions "
        f"(approved {report.expected_transactions}), control sum {report.file_control_sum} € "
        f"(sum of payout amounts {report.expected_control_sum} €, batch total "
        f"{report.batch_total} €).",
        f"pain.002 (sandbox bank, all ACSC): {_size(report.status_bytes)}; ImportPayoutStatus: "
        f"paid {report.paid_count}, failed {report.failed_count}, batch {report.batch_state}.",
        f"Whole run {report.total_s:.0f} s.",
    ]
    if report.problems:
        lines += ["", "PROBLEMS: " + "; ".join(report.problems)]
    return "\n".join(lines)


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.2f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.0f} KiB"
    return f"{count} B"


# ------------------------------------------------------------------------------ run


@asynccontextmanager
async def phase_meter(url: str, server_pid: int, report: Report) -> AsyncIterator[PhaseMeter]:
    """CPU of the server, and on PostgreSQL of its backends too: those alive at the end of
    a phase, so a backend the pool opened and closed during it (overflow connections at
    many callers) is missing from the figure."""
    if not url.startswith("postgresql"):
        yield ServerOnlyMeter(server_pid)
        return
    connection = await asyncpg.connect(libpq_dsn(url))
    try:
        report.database = await server_version(connection)
        yield CpuMeter(server_pid, connection, APPLICATION_NAME)
    finally:
        await connection.close()


async def measure_service(
    args: argparse.Namespace,
    url: str,
    server: RefundServer,
    applicants: Sequence[Applicant],
    report: Report,
) -> None:
    """Steps 3–6 of the module docstring against the running server."""
    async with (
        grpc.aio.insecure_channel(server.address, options=DEFAULT_CHANNEL_OPTIONS) as channel,
        phase_meter(url, server.pid, report) as meter,
    ):
        stub = pb_grpc.RefundServiceStub(channel)
        log(f"wizard for {len(applicants)} cases, {args.concurrency} callers")
        before = await meter.snapshot()
        steps, reported = await run_wizard(stub, applicants, args.concurrency)
        steps[-1].cpu = await meter.since(before)
        report.phases += steps
        states = Counter(refund_case_pb2.RefundCase.State.Name(case.state) for case in reported)
        report.states_after_confirm = dict(states)

        log(f"approving {len(reported)} cases")
        before = await meter.snapshot()
        approval, approved = await approve_all(stub, reported, args.concurrency)
        approval.cpu = await meter.since(before)
        report.phases.append(approval)

        log(f"exporting one batch of {len(approved)} refunds")
        export_request = pb.ExportPayoutBatchRequest(
            request_id=new_request_id(), actor=SUPERVISOR, actor_roles=SUPERVISOR_ROLES
        )
        exported, call = await batch_call(
            "ExportPayoutBatch",
            len(approved),
            export_request.ByteSize(),
            lambda: stub.ExportPayoutBatch(export_request, timeout=BATCH_TIMEOUT_S),
            server_pid=server.pid,
            meter=meter,
        )
        report.batch_calls.append(call)
        check_file(exported, approved, report)

        status = status_report(exported.content)
        report.status_bytes = len(status)
        log("importing the bank's status report")
        import_request = pb.ImportPayoutStatusRequest(
            request_id=new_request_id(),
            content=status,
            actor=SUPERVISOR,
            actor_roles=SUPERVISOR_ROLES,
        )
        imported, call = await batch_call(
            "ImportPayoutStatus",
            len(approved),
            import_request.ByteSize(),
            lambda: stub.ImportPayoutStatus(import_request, timeout=BATCH_TIMEOUT_S),
            server_pid=server.pid,
            meter=meter,
        )
        report.batch_calls.append(call)
        report.paid_count, report.failed_count = imported.paid_count, imported.failed_count
        report.batch_state = payout_batch_pb2.PayoutBatch.State.Name(imported.payout_batch.state)
        if imported.paid_count != len(approved) or imported.failed_count:
            report.problems.append("ImportPayoutStatus did not mark every refund paid")
        if imported.payout_batch.state != payout_batch_pb2.PayoutBatch.STATE_COMPLETED:
            report.problems.append("the batch is not complete after the status report")


def check_file(
    exported: pb.ExportPayoutBatchResponse, approved: Sequence[Reported], report: Report
) -> None:
    """The file pays exactly the approved refunds' payout amounts."""
    summary = read_pain001(exported.content)
    expected = sum((case.payout.amount for case in approved), Decimal(0))
    batch_total = money_from_proto(exported.payout_batch.total_amount).amount
    report.file_bytes = len(exported.content)
    report.file_transactions = len(summary.transactions)
    report.file_control_sum = f"{summary.control_sum:.2f}"
    report.expected_transactions = len(approved)
    report.expected_control_sum = f"{expected:.2f}"
    report.batch_total = f"{batch_total:.2f}"
    if len(summary.transactions) != len(approved):
        report.problems.append("the file's transaction count differs from the approvals")
    if not summary.control_sum == expected == batch_total:
        report.problems.append("the file's control sum differs from the payout amounts")


async def run(args: argparse.Namespace, report: Report) -> None:
    """Database, opening, server, the measured phases; cleans up unless ``--keep``."""
    started = time.perf_counter()
    work_dir = Path(tempfile.mkdtemp(prefix="ropo-bench-refunds-"))
    server_log = work_dir / "server.log"
    database = ""
    if args.postgres:
        database = new_database_name()
        url = await create_postgres_database(args.postgres, database)
        log(f"created database {database}")
    else:
        url = f"sqlite+aiosqlite:///{work_dir / 'refund.db'}"
    completed = False
    try:
        migrate(url, server_log)
        log(f"opening {args.cases} cases through the service layer")
        applicants, durations = await open_cases(url, args.cases, args.seed)
        opening = Phase("open case (service layer, in the bench process)", 1, durations)
        opening.wall_s = sum(durations)
        report.phases.append(opening)
        with RefundServer(url, server_log) as server:
            await measure_service(args, url, server, applicants, report)
        completed = True
    finally:
        report.total_s = time.perf_counter() - started
        if database and not args.keep:
            await drop_postgres_database(args.postgres, database)
        elif database:
            log(f"kept database {database}")
        if completed and not args.keep and not report.failed:
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            log(f"server log and files in {work_dir}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_000, help="refund cases opened")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent callers")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="administrative PostgreSQL URL; the run creates its own database beside it "
        "(default: a SQLite file)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument(
        "--output", type=Path, default=BENCH_DIR / "results" / "refund_payouts.json"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.concurrency < 1:
        parser.error("--cases and --concurrency must be at least 1")
    return args


def main(argv: list[str] | None = None) -> Report:
    """Run, write the JSON, print the Markdown."""
    args = parse_args(argv)
    # The opener logs every case at INFO; the report goes to stdout, problems to stderr.
    configure_logging("bench-refunds", level="WARNING", fmt="console", stream=sys.stderr)
    command = shlex.join(
        ["python", *(sys.argv if argv is None else ["bench/refund_payouts.py", *argv])]
    )
    report = Report(
        command=command,
        machine=machine_facts(),
        load_before=" ".join(f"{load:.2f}" for load in os.getloadavg()),
        cases=args.cases,
        concurrency=args.concurrency,
    )
    asyncio.run(run(args, report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n")
    print(markdown(report))
    return report


if __name__ == "__main__":
    sys.exit(1 if main().failed else 0)
