"""Invoice benchmark: bulk Finvoice import, then ListInvoices with a million invoices stored.

One command, on PostgreSQL (``make bench-invoices``)::

    .venv/bin/python bench/invoice_import.py \\
        --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

1. creates a fresh database for the run and migrates it with the invoice service's
   Alembic scripts (dropped at the end unless ``--keep``);
2. generates ``--invoices`` distinct Finvoice 3.0 messages up front (not timed);
3. starts the real server (``python -m ropo_invoice serve``) and streams the messages
   through ``ImportInvoices`` over ``--streams`` concurrent calls of ``--batch`` messages:
   invoices/s, errors, server and PostgreSQL CPU, server memory;
4. checks that rows built for the bulk fill equal what the import stored for the same
   messages, then fills the database to ``--total`` invoices with COPY and VACUUM ANALYZE;
5. restarts the server and times ``ListInvoices`` (page size 20) with ``--in-flight``
   calls in flight for ``--duration`` seconds per scenario: ordinary debtors (1–20
   invoices) and heavy ones (200+), all or only open invoices, and a text query;
6. prints the EXPLAIN (ANALYZE) of the list statements for one debtor of each kind, and
   the tables in Markdown (also written as JSON to ``--output``).

``--profile DIR`` runs the server under cProfile (``DIR/import.pstats`` and
``DIR/list.pstats``; summarise them with ``bench/invoice_profile.py``). Profiling slows
the server down: do not record figures from a profiled run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg
from cpu_meter import CpuMeter
from invoice_data import CREDITORS, HEAVY_COUNTS, BenchDebtor, Population
from invoice_db import (
    TableSize,
    analyze,
    case_numbers,
    copy_rows,
    create_database,
    creditor_ids,
    drop_database,
    libpq_dsn,
    new_database_name,
    server_version,
    stored_rows,
    table_sizes,
    templates,
)
from invoice_inprocess import explain_list, invoice_app, list_request
from invoice_load import (
    ImportOutcome,
    ListOutcome,
    ListScenario,
    run_import,
    run_list,
)
from invoice_rows import (
    AS_IMPORTED,
    TABLES,
    FillRowBuilder,
    FillRows,
    differences,
    lifecycle,
)
from invoice_server import APPLICATION_NAME, HETU_KEY, PERSON_KEY_SECRET, InvoiceServer
from ropo.invoice.v1 import invoice_service_pb2
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.domain.party import ProtectedNationalId
from ropo_sandbox.demo.importer import request_id_for

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
#: Imported invoices whose rows are compared with the rows the fill would build.
VERIFIED_INVOICES = 200
FILL_CHUNK = 5_000
#: Parties sampled for the ordinary-debtor scenarios.
ORDINARY_SAMPLE = 5_000
#: A word of the largest creditor's name (*Etsi laskua listauksesta*).
QUERY = "energia"


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the report."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def machine_facts() -> str:
    """Cores, CPU model, memory, Python and OS."""
    cpu = platform.processor() or platform.machine()
    memory_gib = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 2**20
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {cpu}, {memory_gib:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def prepare_requests(
    population: Population, count: int
) -> list[invoice_service_pb2.ImportInvoicesRequest]:
    """The import messages of slots ``0 … count-1``, each with its idempotency key."""
    requests = []
    for slot in range(count):
        document = population.finvoice(slot)
        requests.append(
            invoice_service_pb2.ImportInvoicesRequest(
                request_id=request_id_for(document), finvoice_xml=document
            )
        )
        if (slot + 1) % 20_000 == 0:
            log(f"generated {slot + 1} Finvoice messages")
    return requests


@asynccontextmanager
async def connection_to(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain asyncpg connection to the run's database."""
    connection = await asyncpg.connect(libpq_dsn(url))
    try:
        yield connection
    finally:
        await connection.close()


def protector() -> AesGcmNationalIdProtector:
    """The server's henkilötunnus protection with the benchmark's keys."""
    return AesGcmNationalIdProtector(HETU_KEY, PERSON_KEY_SECRET.encode())


async def row_builder(connection: asyncpg.Connection) -> FillRowBuilder:
    """A fill row builder with the imported creditors and template rows."""
    return FillRowBuilder(
        protector(),
        PERSON_KEY_SECRET.encode(),
        await creditor_ids(connection),
        await templates(connection),
        await case_numbers(connection),
    )


async def verify_fill_rows(
    connection: asyncpg.Connection, population: Population, builder: FillRowBuilder, count: int
) -> list[str]:
    """Differences between rows built for the first ``count`` imported invoices and the
    rows the import stored; also that the stored henkilötunnus decrypts with our key."""
    ids = await creditor_ids(connection)
    keys = protector()
    problems: list[str] = []
    for slot in range(count):
        invoice = population.invoice(slot)
        debtor = population.debtor(population.owner(slot))
        built = builder.rows(invoice, debtor, AS_IMPORTED)
        stored = await stored_rows(connection, ids[invoice.creditor.business_id], invoice.number)
        for table in TABLES:
            problems += differences(
                built.rows[table.name], stored[table.name], table.name, label=f"slot {slot}"
            )
        row = stored["invoices"][0]
        if debtor.national_id is not None:
            sealed = ProtectedNationalId(
                person_key=str(row["debtor_party"]).removeprefix("persons/"),
                ciphertext=bytes(row["debtor_national_id_ciphertext"]),
                masked=str(row["debtor_national_id_masked"]),
            )
            if keys.reveal(sealed).reveal() != debtor.national_id:
                problems.append(f"slot {slot}: the stored henkilötunnus decrypts differently")
    return problems


@dataclass
class FillOutcome:
    """The bulk fill: invoices written, time, and table sizes afterwards."""

    invoices: int = 0
    seconds: float = 0.0
    analyze_seconds: float = 0.0
    template_columns: dict[str, list[str]] = field(default_factory=dict)
    sizes: list[TableSize] = field(default_factory=list)


async def fill_database(
    connection: asyncpg.Connection, population: Population, first_slot: int
) -> FillOutcome:
    """Write slots ``first_slot … total-1`` with COPY, then VACUUM ANALYZE."""
    builder = await row_builder(connection)
    outcome = FillOutcome(template_columns=builder.template_columns())
    debtors: dict[int, BenchDebtor] = {}
    started = time.perf_counter()
    for chunk_start in range(first_slot, population.total, FILL_CHUNK):
        rows = FillRows()
        for slot in range(chunk_start, min(population.total, chunk_start + FILL_CHUNK)):
            invoice = population.invoice(slot)
            owner = population.owner(slot)
            debtor = debtors.get(owner)
            if debtor is None:
                debtor = debtors[owner] = population.debtor(owner)
            state = lifecycle(slot, invoice, population.today, population.seed)
            rows.extend(builder.rows(invoice, debtor, state))
        await copy_rows(connection, rows)
        outcome.invoices += rows.count(TABLES[0])
        if (chunk_start - first_slot) % 100_000 == 0:
            log(f"filled {outcome.invoices} invoices")
    outcome.seconds = round(time.perf_counter() - started, 1)
    log("VACUUM ANALYZE")
    outcome.analyze_seconds = round(await analyze(connection), 1)
    outcome.sizes = await table_sizes(connection)
    return outcome


def list_scenarios(population: Population, latency_in_flight: int) -> list[ListScenario]:
    """Ordinary and heavy debtors; all invoices, only open ones, and a text query; then
    the "all" loads again with ``latency_in_flight`` calls in flight (the latency of one
    call when calls do not queue behind each other)."""
    secret = PERSON_KEY_SECRET.encode()
    ordinary_indexes = population.ordinary_debtors()
    sample = population.ordinary_debtors()[:: max(1, len(ordinary_indexes) // ORDINARY_SAMPLE)]
    ordinary = [population.debtor(index).party(secret) for index in sample]
    heavy = [population.debtor(index).party(secret) for index in population.heavy_debtors()]
    scenarios = [
        ListScenario("ordinary debtor (1–20), all", ordinary),
        ListScenario("ordinary debtor (1–20), open only", ordinary, open_only=True),
        ListScenario(f"ordinary debtor (1–20), query {QUERY!r}", ordinary, query=QUERY),
    ]
    if heavy:
        floor = HEAVY_COUNTS[0]
        scenarios += [
            ListScenario(f"heavy debtor ({floor}+), all", heavy),
            ListScenario(f"heavy debtor ({floor}+), open only", heavy, open_only=True),
            ListScenario(f"heavy debtor ({floor}+), query {QUERY!r}", heavy, query=QUERY),
        ]
    if latency_in_flight:
        scenarios += [
            ListScenario(scenario.name, scenario.parties, in_flight=latency_in_flight)
            for scenario in scenarios
            if scenario.name.endswith(", all")
        ]
    return scenarios


async def explain_examples(url: str, population: Population) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the list statements for an ordinary debtor with the
    most invoices an ordinary one has, and for the heaviest debtor."""
    secret = PERSON_KEY_SECRET.encode()
    counts = population.invoice_counts
    ordinary = max(population.ordinary_debtors(), key=lambda index: counts[index])
    examples = {f"ordinary debtor ({counts[ordinary]} invoices), all": (ordinary, False, "")}
    heavy = population.heavy_debtors()
    if heavy:
        heaviest = max(heavy, key=lambda index: counts[index])
        examples[f"heavy debtor ({counts[heaviest]} invoices), open only"] = (heaviest, True, "")
        examples[f"heavy debtor ({counts[heaviest]} invoices), query {QUERY!r}"] = (
            heaviest,
            False,
            QUERY,
        )
    plans = {}
    async with invoice_app(url) as app:
        for label, (index, open_only, text) in examples.items():
            party = population.debtor(index).party(secret)
            plans[label] = await explain_list(
                app, list_request(party, open_only=open_only, text=text)
            )
    return plans


@dataclass
class Report:
    """Everything one run measured."""

    command: str
    machine: str
    postgres: str = ""
    database: str = ""
    generation_seconds: float = 0.0
    imported: ImportOutcome | None = None
    fill: FillOutcome | None = None
    lists: list[ListOutcome] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        return {
            "command": self.command,
            "machine": self.machine,
            "postgres": self.postgres,
            "generation_seconds": self.generation_seconds,
            "import": self.imported.as_dict() if self.imported else None,
            "fill": asdict(self.fill) if self.fill else None,
            "list": [outcome.as_dict() for outcome in self.lists],
            "plans": self.plans,
        }


async def run(args: argparse.Namespace, report: Report) -> None:
    """All phases; the database is dropped at the end unless ``--keep``."""
    population = Population(args.total, seed=args.seed)
    log(
        f"planned {population.total} invoices of {population.debtor_count} debtors "
        f"({len(population.heavy_debtors())} heavy); generating {args.invoices} messages"
    )
    started = time.perf_counter()
    requests = prepare_requests(population, args.invoices)
    report.generation_seconds = round(time.perf_counter() - started, 1)
    report.database = new_database_name()
    url = await create_database(args.postgres_url, report.database)
    log(f"created and migrated database {report.database}")
    work_dir = Path(tempfile.mkdtemp(prefix="ropo-bench-invoices-"))
    completed = False
    profile = args.profile
    try:
        async with connection_to(url) as connection:
            report.postgres = await server_version(connection)
            import_profile = profile / "import.pstats" if profile else None
            with InvoiceServer(url, work_dir / "server.log", profile_path=import_profile) as server:
                log(f"importing over {args.streams} streams × {args.batch} messages")
                report.imported = await run_import(
                    server.address,
                    requests,
                    streams=args.streams,
                    batch=args.batch,
                    meter=CpuMeter(server.pid, connection, APPLICATION_NAME),
                    server_pid=server.pid,
                )
            del requests
            log(f"imported: {report.imported.invoices_per_s} invoices/s")
            if report.imported.errors:
                raise SystemExit(f"import had errors: {report.imported.sample_errors}")
            builder = await row_builder(connection)
            verified = min(VERIFIED_INVOICES, args.invoices)
            problems = await verify_fill_rows(connection, population, builder, verified)
            if problems:
                raise SystemExit(
                    "fill rows differ from imported rows:\n" + "\n".join(problems[:20])
                )
            log(f"fill rows match the imported rows of {verified} invoices; filling")
            report.fill = await fill_database(connection, population, args.invoices)
            list_profile = profile / "list.pstats" if profile else None
            with InvoiceServer(url, work_dir / "server.log", profile_path=list_profile) as server:
                meter = CpuMeter(server.pid, connection, APPLICATION_NAME)
                for scenario in list_scenarios(population, args.latency_in_flight):
                    in_flight = scenario.in_flight or args.in_flight
                    log(f"ListInvoices: {scenario.name}, {in_flight} in flight")
                    report.lists.append(
                        await run_list(
                            server.address,
                            scenario,
                            in_flight=args.in_flight,
                            duration_s=args.duration,
                            meter=meter,
                            server_pid=server.pid,
                            seed=args.seed,
                        )
                    )
        report.plans = await explain_examples(url, population)
        completed = True
    finally:
        if args.keep:
            log(f"kept database {report.database}")
        else:
            await drop_database(args.postgres_url, report.database)
        if completed and not args.keep:
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            log(f"server log in {work_dir / 'server.log'}")


def markdown(report: Report) -> str:
    """The report as Markdown tables, in the style of the baseline."""
    lines = [f"Machine: {report.machine}, {report.postgres}", f"Command: `{report.command}`", ""]
    imported = report.imported
    if imported is not None and imported.cpu is not None:
        cpu, memory = imported.cpu, imported.server_memory
        lines += [
            "| ImportInvoices | invoices | streams × batch | seconds | invoices/s | errors | "
            "server CPU (cores) | PostgreSQL CPU (cores) | client CPU (cores) | "
            "server RSS MiB (peak) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| Finvoice 3.0, new invoices | {imported.invoices} | "
            f"{imported.streams} × {imported.batch} | {imported.seconds} | "
            f"{imported.invoices_per_s:.0f} | {imported.errors} | "
            f"{cpu.server_s:.0f} s ({cpu.cores(cpu.server_s):.2f}) | "
            f"{cpu.postgres_s:.0f} s ({cpu.cores(cpu.postgres_s):.2f}) | "
            f"{cpu.client_s:.0f} s ({cpu.cores(cpu.client_s):.2f}) | "
            f"{memory.rss_mib if memory else 0:.0f} ({memory.peak_mib if memory else 0:.0f}) |",
            "",
        ]
    if report.fill is not None:
        fill = report.fill
        rate = fill.invoices / fill.seconds if fill.seconds else 0.0
        copied = [f"{t}.{c}" for t, names in fill.template_columns.items() for c in names]
        lines += [
            f"Bulk fill: {fill.invoices} invoices with COPY in {fill.seconds} s "
            f"({rate:.0f} invoices/s, row building included), VACUUM ANALYZE "
            f"{fill.analyze_seconds} s. Columns taken from an imported row: "
            f"{', '.join(copied) or 'none'}.",
            "",
            "| table | rows | size MiB (with indexes) |",
            "| --- | ---: | ---: |",
            *(f"| {size.table} | {size.rows} | {size.total_mib:.0f} |" for size in fill.sizes),
            "",
        ]
    if report.lists:
        lines += [
            "| ListInvoices, page size 20 | in flight | req/s | p50 ms | p90 ms | p99 ms | "
            "max ms | errors | invoices/answer | server CPU ms/call | PostgreSQL CPU ms/call |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for outcome in report.lists:
            load = outcome.load
            lines.append(
                f"| {outcome.scenario} | {load.in_flight} | {load.requests_per_s:.0f} | "
                f"{load.p50_ms:.2f} | {load.p90_ms:.2f} | {load.p99_ms:.2f} | "
                f"{load.max_ms:.2f} | {load.errors} | {outcome.invoices_per_answer} | "
                f"{outcome.server_cpu_ms_per_call:.2f} | "
                f"{outcome.postgres_cpu_ms_per_call:.2f} |"
            )
        memory = report.lists[-1].server_memory
        lines += ["", f"Server RSS after the list loads: {memory.rss_mib:.0f} MiB "
                  f"(peak {memory.peak_mib:.0f} MiB).", ""]  # fmt: skip
    for label, plans in report.plans.items():
        lines += [f"EXPLAIN (ANALYZE, BUFFERS), {label}:", "", "```", *plans, "```", ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ROPO_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="administrative database URL; the run creates its own database beside it",
    )
    parser.add_argument("--invoices", type=int, default=100_000, help="imported via gRPC")
    parser.add_argument("--total", type=int, default=1_000_000, help="stored before listing")
    parser.add_argument("--streams", type=int, default=4, help="concurrent ImportInvoices")
    parser.add_argument("--batch", type=int, default=1_000, help="messages per stream call")
    parser.add_argument("--in-flight", type=int, default=16, help="ListInvoices in flight")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per list load")
    parser.add_argument(
        "--latency-in-flight",
        type=int,
        default=1,
        help="also run the 'all' list loads with this many in flight (0: skip)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", type=Path, help="cProfile the server into this folder")
    parser.add_argument(
        "--output", type=Path, default=BENCH_DIR / "results" / "invoice_import.json"
    )
    args = parser.parse_args(argv)
    if not len(CREDITORS) <= args.invoices <= args.total:
        # The fill needs every creditor created by the import first.
        parser.error(f"--invoices must be between {len(CREDITORS)} and --total")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    return args


def main() -> None:
    args = parse_args()
    report = Report(command=shlex.join(["python", *sys.argv]), machine=machine_facts())
    asyncio.run(run(args, report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n")
    print(markdown(report))


if __name__ == "__main__":
    main()
