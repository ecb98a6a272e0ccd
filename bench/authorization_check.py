"""CheckAccess benchmark: the authorization service's access decision under 200 concurrent
callers, as a ratio to an echo of the same server process.

One command, on PostgreSQL (``make bench-authorization``)::

    .venv/bin/python bench/authorization_check.py \\
        --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

1. creates a fresh database ``ropo_bench_authorization_<timestamp>`` and migrates it with
   the service's own command (``python -m ropo_authorization migrate``); dropped at the end
   unless ``--keep``;
2. seeds ``--invoices`` ownership rows over ``--persons`` debtors with COPY into the
   service's table (``bench/authorization_seed.py``), then starts the real server
   (``python -m ropo_authorization serve``) and grants ``--authorizations`` per-invoice
   authorizations through its own ``GrantInvoiceAuthorization`` (skipped while the method
   is unimplemented);
3. with the closed-loop driver of the other benchmarks (``bench/loadgen.py``) keeps
   ``--in-flight`` calls in flight for ``--duration`` seconds each: first the echo —
   ``grpc.health.v1.Health/Check`` of the same process (same interceptors, no database) —
   then ``CheckAccess`` for a mix of a debtor on their own invoice (allowed), an authorized
   person on that invoice (allowed) and a stranger (denied); every answer is compared with
   the expected decision, a wrong one counts as an error; then both again with
   ``--latency-in-flight`` calls in flight (the latency of one call without queueing);
   ``--code-from REV`` serves the service as of a git revision (``git archive`` into the
   run's folder) to compare before and after a change;
4. prints p50/p90/p99/max, throughput, the ratios to the echo, the CPU of the server
   process and of its PostgreSQL backends per call, as Markdown (JSON in ``--output``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shlex
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg
import grpc
from authorization_data import AccessPopulation
from authorization_seed import GrantOutcome, copy_ownership, grant_authorizations, table_rows
from authorization_server import (
    APPLICATION_NAME,
    PERSON_KEY_SECRET,
    SERVICE,
    AuthorizationServer,
    create_database,
    drop_database,
    export_code,
    new_database_name,
)
from cpu_meter import CpuMeter, CpuUse
from grpc_health.v1 import health_pb2, health_pb2_grpc
from invoice_db import libpq_dsn, server_version
from invoice_import import log, machine_facts
from invoice_server import Memory, memory
from loadgen import LoadResult, run_closed_loop
from ropo.authorization.v1 import access_pb2
from ropo.authorization.v1 import authorization_service_pb2 as pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as pb_grpc

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
#: Share of each kind of check in the mix (authorized only when authorizations exist).
MIX = {"debtor": 0.5, "authorized": 0.2, "stranger": 0.3}
#: Distinct prepared requests the callers cycle through.
PROBES = 20_000
#: The aim of issue 4 for CheckAccess at 200 concurrent checks.
AIM_P99_MS = 5.0


@dataclass(frozen=True, slots=True)
class Probe:
    """One prepared CheckAccess call and the decision it must get."""

    kind: str
    request: pb.CheckAccessRequest
    allowed: bool


def probes(
    population: AccessPopulation, granted: Sequence[int], count: int, seed: int
) -> list[Probe]:
    """``count`` checks in the ``MIX`` proportions (viewing or paying, as the gateway asks)."""
    rng = random.Random(seed)
    kinds = [kind for kind in MIX if kind != "authorized" or granted]
    weights = [MIX[kind] for kind in kinds]
    actions = (access_pb2.ACTION_VIEW, access_pb2.ACTION_PAY)
    result = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        action = rng.choice(actions)
        if kind == "authorized":
            grant = population.grants[rng.choice(granted)]
            subject, invoice, allowed = grant.grantee, grant.invoice, True
        elif kind == "debtor":
            invoice = rng.randrange(population.invoices)
            subject, allowed = population.owner(invoice), True
        else:
            invoice = rng.randrange(population.invoices)
            subject, allowed = rng.choice(population.strangers), False
        request = pb.CheckAccessRequest(
            subject=population.party(subject),
            invoice=population.invoice_name(invoice),
            action=action,
        )
        result.append(Probe(kind, request, allowed))
    return result


class WrongDecision(Exception):
    """CheckAccess answered differently from the seeded facts."""


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    """The driver's figures plus CPU per call and wrong decisions."""

    load: LoadResult
    calls: int
    wrong: int
    kinds: dict[str, int]
    cpu: CpuUse
    server_cpu_ms_per_call: float
    postgres_cpu_ms_per_call: float
    server_memory: Memory

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        return {
            **self.load.as_dict(),
            "calls": self.calls,
            "wrong": self.wrong,
            "kinds": self.kinds,
            "cpu": asdict(self.cpu),
            "server_cpu_ms_per_call": self.server_cpu_ms_per_call,
            "postgres_cpu_ms_per_call": self.postgres_cpu_ms_per_call,
            "server_memory": asdict(self.server_memory),
        }


async def measure(
    name: str,
    call: Callable[[], Awaitable[str]],
    *,
    in_flight: int,
    duration_s: float,
    warmup_s: float,
    meter: CpuMeter,
    server_pid: int,
) -> LoadOutcome:
    """Run ``call`` closed-loop; ``call`` returns the kind of check it made."""
    calls = 0
    wrong = 0
    kinds: Counter[str] = Counter()

    async def counted() -> None:
        nonlocal calls, wrong
        try:
            kinds[await call()] += 1
        except WrongDecision:
            wrong += 1
            raise
        calls += 1

    before = await meter.snapshot()
    load = await run_closed_loop(
        name, counted, in_flight=in_flight, duration_s=duration_s, warmup_s=warmup_s
    )
    cpu = await meter.since(before)
    return LoadOutcome(
        load=load,
        calls=calls,
        wrong=wrong,
        kinds=dict(kinds),
        cpu=cpu,
        # Per call over the whole phase (warm-up included, as the CPU snapshots are).
        server_cpu_ms_per_call=round(cpu.server_s * 1000 / calls, 3) if calls else 0.0,
        postgres_cpu_ms_per_call=round(cpu.postgres_s * 1000 / calls, 3) if calls else 0.0,
        server_memory=memory(server_pid),
    )


def echo_call(channel: grpc.aio.Channel) -> Callable[[], Awaitable[str]]:
    """The health check of the service: same process and interceptors, no database."""
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service=SERVICE)

    async def call() -> str:
        response = await stub.Check(request, timeout=30)
        if response.status != health_pb2.HealthCheckResponse.SERVING:
            raise WrongDecision("not SERVING")
        return "echo"

    return call


def check_call(
    channel: grpc.aio.Channel, prepared: Sequence[Probe]
) -> Callable[[], Awaitable[str]]:
    """CheckAccess over the prepared probes in turn; a wrong decision raises."""
    stub = pb_grpc.AuthorizationServiceStub(channel)
    cycle = itertools.cycle(prepared)

    async def call() -> str:
        probe = next(cycle)
        response = await stub.CheckAccess(probe.request, timeout=30)
        if response.allowed != probe.allowed:
            raise WrongDecision(probe.kind)
        return probe.kind

    return call


@dataclass
class Report:
    """Everything one run measured."""

    command: str
    machine: str
    postgres: str = ""
    database: str = ""
    invoices: int = 0
    persons: int = 0
    seed_seconds: float = 0.0
    grants: GrantOutcome | None = None
    rows: dict[str, int] = field(default_factory=dict)
    loads: list[tuple[str, LoadOutcome]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        grants = asdict(self.grants) if self.grants else None
        if grants is not None:
            grants.pop("granted_indexes")
        return {
            "command": self.command,
            "machine": self.machine,
            "postgres": self.postgres,
            "invoices": self.invoices,
            "persons": self.persons,
            "seed_seconds": self.seed_seconds,
            "grants": grants,
            "rows": self.rows,
            "loads": [{"scenario": name, **outcome.as_dict()} for name, outcome in self.loads],
        }

    def echo_for(self, in_flight: int) -> LoadOutcome | None:
        """The echo load run with ``in_flight`` calls in flight."""
        for name, outcome in self.loads:
            if name.startswith("echo") and outcome.load.in_flight == in_flight:
                return outcome
        return None

    @property
    def failed(self) -> bool:
        """Wrong decisions or failed calls: the figures would not mean anything."""
        return any(outcome.load.errors or outcome.wrong for _, outcome in self.loads)


async def run(args: argparse.Namespace, report: Report) -> None:
    """All phases; the database is dropped at the end unless ``--keep``."""
    population = AccessPopulation(
        args.invoices,
        args.persons,
        secret=PERSON_KEY_SECRET.encode(),
        authorizations=args.authorizations,
        seed=args.seed,
    )
    report.invoices, report.persons = population.invoices, population.persons
    work_dir = Path(tempfile.mkdtemp(prefix="ropo-bench-authorization-"))
    server_log = work_dir / "server.log"
    code = export_code(args.code_from, work_dir / "code") if args.code_from else []
    report.database = new_database_name()
    url = await create_database(args.postgres_url, report.database, server_log, code)
    log(f"created and migrated database {report.database}")
    completed = False
    try:
        connection = await asyncpg.connect(libpq_dsn(url))
        try:
            report.postgres = await server_version(connection)
            report.seed_seconds = round(await copy_ownership(connection, population), 1)
            log(f"seeded {population.invoices} ownership rows in {report.seed_seconds} s")
            with AuthorizationServer(url, server_log, code) as server:
                report.grants = await grant_authorizations(server.address, population)
                grants = report.grants
                log(
                    f"authorizations: {grants.granted} granted, {grants.failed} failed"
                    + (f" ({grants.unavailable})" if grants.unavailable else "")
                )
                if grants.failed:
                    log(f"grant errors: {grants.sample_errors}")
                report.rows = await table_rows(connection)
                prepared = probes(population, grants.granted_indexes, PROBES, args.seed)
                meter = CpuMeter(server.pid, connection, APPLICATION_NAME)
                in_flights = [args.in_flight]
                if args.latency_in_flight:
                    in_flights.append(args.latency_in_flight)
                async with grpc.aio.insecure_channel(server.address) as channel:
                    for in_flight in in_flights:
                        scenarios = [
                            ("echo: grpc.health.v1.Health/Check", echo_call(channel)),
                            ("AuthorizationService.CheckAccess", check_call(channel, prepared)),
                        ]
                        for name, call in scenarios:
                            log(f"{name}, {in_flight} in flight, {args.duration} s")
                            outcome = await measure(
                                name,
                                call,
                                in_flight=in_flight,
                                duration_s=args.duration,
                                warmup_s=args.warmup,
                                meter=meter,
                                server_pid=server.pid,
                            )
                            report.loads.append((name, outcome))
        finally:
            await connection.close()
        completed = True
    finally:
        if args.keep:
            log(f"kept database {report.database}")
        else:
            await drop_database(args.postgres_url, report.database)
        if completed and not args.keep and not report.failed:
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            log(f"server log in {server_log}")


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}" if reference else "–"


def markdown(report: Report) -> str:
    """The report as Markdown tables, in the style of the other benchmarks."""
    lines = [f"Machine: {report.machine}, {report.postgres}", f"Command: `{report.command}`", ""]
    grants = report.grants
    if grants is not None:
        granted = (
            f"{grants.granted} per-invoice authorizations granted through the API in "
            f"{grants.seconds} s ({grants.failed} failed)"
            if not grants.unavailable
            else f"no authorizations (GrantInvoiceAuthorization: {grants.unavailable})"
        )
        lines += [
            f"Seeded: {report.invoices} invoices over {report.persons} debtors with COPY in "
            f"{report.seed_seconds} s; {granted}. Rows: "
            + ", ".join(f"{table} {count}" for table, count in sorted(report.rows.items()))
            + ".",
            "",
        ]
    lines += [
        "| scenario | in flight | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | "
        "wrong | p50 / echo | p99 / echo | req/s / echo | server CPU (cores) | "
        "server CPU ms/call | PostgreSQL CPU ms/call | client CPU (cores) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: | ---: | ---: | ---: |",
    ]
    for name, outcome in report.loads:
        load, cpu = outcome.load, outcome.cpu
        echo = report.echo_for(load.in_flight)
        reference = echo.load if echo is not None else load
        lines.append(
            f"| {name} | {load.in_flight} | {load.requests_per_s:.0f} | {load.p50_ms:.2f} | "
            f"{load.p90_ms:.2f} | {load.p99_ms:.2f} | {load.max_ms:.2f} | {load.errors} | "
            f"{outcome.wrong} | {_ratio(load.p50_ms, reference.p50_ms)} | "
            f"{_ratio(load.p99_ms, reference.p99_ms)} | "
            f"{_ratio(load.requests_per_s, reference.requests_per_s)} | "
            f"{cpu.cores(cpu.server_s):.2f} | {outcome.server_cpu_ms_per_call:.2f} | "
            f"{outcome.postgres_cpu_ms_per_call:.2f} | {cpu.cores(cpu.client_s):.2f} |"
        )
    checks = [outcome for name, outcome in report.loads if "CheckAccess" in name]
    if checks:
        mix = Counter[str]()
        for outcome in checks:
            mix.update(outcome.kinds)
        total = sum(mix.values()) or 1
        lines += [
            "",
            "CheckAccess mix: "
            + ", ".join(
                f"{kind} {count * 100 / total:.0f} %" for kind, count in sorted(mix.items())
            )
            + f". Server RSS after the loads: {checks[-1].server_memory.rss_mib:.0f} MiB "
            f"(peak {checks[-1].server_memory.peak_mib:.0f} MiB).",
        ]
        at_load = next(
            (o for o in checks if o.load.in_flight == report.loads[0][1].load.in_flight), None
        )
        if at_load is not None:
            verdict = "met" if at_load.load.p99_ms < AIM_P99_MS else "not met"
            lines.append(
                f"Aim p99 < {AIM_P99_MS:.0f} ms at {at_load.load.in_flight} in flight: {verdict} "
                f"({at_load.load.p99_ms:.2f} ms)."
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ROPO_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="administrative database URL; the run creates its own database beside it",
    )
    parser.add_argument("--invoices", type=int, default=100_000, help="ownership rows seeded")
    parser.add_argument("--persons", type=int, default=20_000, help="debtors owning them")
    parser.add_argument(
        "--authorizations", type=int, default=2_000, help="per-invoice grants via the API"
    )
    parser.add_argument("--in-flight", type=int, default=200, help="concurrent callers")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per load")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument(
        "--latency-in-flight",
        type=int,
        default=1,
        help="also run both loads with this many in flight (0: skip)",
    )
    parser.add_argument(
        "--code-from",
        metavar="GIT_REV",
        help="run the service (and its libraries) as of this git revision, not the working tree",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--output", type=Path, default=BENCH_DIR / "results" / "authorization_check.json"
    )
    args = parser.parse_args(argv)
    if not 1 < args.persons <= args.invoices:
        parser.error("--persons must be between 2 and --invoices")
    return args


def main(argv: list[str] | None = None) -> Report:
    """Run, write the JSON, print the Markdown; exit status 1 on errors or wrong answers."""
    args = parse_args(argv)
    command = shlex.join(
        ["python", *(sys.argv if argv is None else ["bench/authorization_check.py", *argv])]
    )
    report = Report(command=command, machine=machine_facts())
    asyncio.run(run(args, report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n")
    print(markdown(report))
    return report


if __name__ == "__main__":
    sys.exit(1 if main().failed else 0)
