"""Where the invoice service's CPU goes: profiles of the import and of ``ListInvoices``.

    python bench/invoice_profile.py summary FILE.pstats [--per N --unit invoice]
    python bench/invoice_profile.py import --postgres-url URL [--invoices 1000 --batch 100]
    python bench/invoice_profile.py growth --postgres-url URL [--invoices 36000 --chunk 4000]
    python bench/invoice_profile.py list --database-url URL --total N [--calls 1000]
    python bench/invoice_profile.py serve OUT.pstats     # used by invoice_import --profile

Every profile measures **CPU time of the profiled process** (``time.process_time``), not
wall time, so other load on a shared machine changes it little and time spent waiting
for PostgreSQL or the network is not counted. ``summary`` groups self time by component
(Finvoice parsing, crypto, SQLAlchemy, asyncpg, gRPC, OpenTelemetry, logging, protobuf,
domain, …). cProfile itself makes call-heavy code look 2–3 times slower: read the shares,
and take absolute costs from the runs without the profiler that each command prints.

``import`` runs the use case in this process (no gRPC) on a fresh database, or on
``--database-url`` (e.g. one kept by ``invoice_import.py --keep``, with ``--first-slot``
past its invoices): parsing alone, protecting the henkilötunnus alone, then whole
imports one message per transaction (``ImportFinvoice``) and ``--batch`` messages per
transaction (``ImportInvoices``), with the SQL statements per invoice, the CPU of the
PostgreSQL backends, the cost of one lookup through each database layer, and the cost of
writing a batch's rows with multi-row INSERT and with COPY. ``growth`` imports in chunks
and shows how the cost per invoice (the service's and PostgreSQL's) changes as the tables
grow, with the sequential scans PostgreSQL made per chunk. ``list`` does the same for
``ListInvoices`` on a database kept by ``invoice_import.py --keep`` (same ``--total`` and
``--seed``), including the mapping to protobuf that the servicer does.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg
import sqlalchemy as sa
from invoice_data import Population
from invoice_db import (
    backend_pids,
    case_numbers,
    copy_rows,
    create_database,
    creditor_ids,
    drop_database,
    libpq_dsn,
    new_database_name,
    templates,
)
from invoice_inprocess import StatementRecorder, invoice_app, list_request
from invoice_rows import AS_IMPORTED, TABLES, FillRowBuilder, FillRows
from invoice_server import APPLICATION_NAME, HETU_KEY, PERSON_KEY_SECRET, cpu_of, cpu_used
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.adapters.orm import DecimalText, creditors
from ropo_invoice.bootstrap import InvoiceApp
from ropo_invoice.domain.identifiers import NationalId
from ropo_invoice.domain.party import Language
from ropo_invoice.entrypoints.proto_mapping import View, invoice_to_proto
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_sandbox.demo.importer import request_id_for
from sqlalchemy.ext.asyncio import create_async_engine

# (component, substrings of the file or function name), first match wins.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # lxml's compiled methods report no calls of their own: their time shows as self
    # time of the reader functions that call them.
    ("Finvoice parsing (lxml, reader, checks)", ("lxml", "adapters/finvoice", "stdnum")),
    ("crypto and hashing", ("cryptography", "national_id_protector", "pseudonym", "hmac",
                            "_hashlib", "hashlib", "openssl")),
    ("OpenTelemetry", ("opentelemetry",)),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("asyncpg driver", ("asyncpg",)),
    ("logging", ("structlog", "/logging/", "ropo_platform/logging")),
    ("gRPC", ("grpc",)),
    ("protobuf and mapping", ("google/protobuf", "proto_mapping", "_pb2", "proto_values")),
    ("domain", ("ropo_invoice/domain",)),
    ("service layer and repositories", ("ropo_invoice/service_layer", "ropo_invoice/adapters")),
    ("platform (ropo_platform)", ("ropo_platform",)),
    ("event loop", ("asyncio", "selectors", "epoll", "uvloop")),
    ("money and decimals", ("decimal", "money")),
)  # fmt: skip


def category(filename: str, function: str) -> str:
    """The component a profile entry belongs to."""
    text = f"{filename} {function}"
    for name, needles in CATEGORIES:
        if any(needle in text for needle in needles):
            return name
    return "other (stdlib, builtins)"


def breakdown(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Self time per component, largest first."""
    totals: dict[str, float] = {}
    for (filename, _line, function), values in stats.stats.items():  # type: ignore[attr-defined]
        self_time = values[2]
        name = category(filename, function)
        totals[name] = totals.get(name, 0.0) + self_time
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def summary_text(stats: pstats.Stats, *, per: int = 0, unit: str = "", top: int = 25) -> str:
    """Markdown: self time per component (and per ``unit`` when ``per`` is given), then
    the functions with the most self time."""
    parts = breakdown(stats)
    total = sum(seconds for _name, seconds in parts) or 1.0
    header = "| component | CPU s | share |"
    rule = "| --- | ---: | ---: |"
    if per:
        header = f"| component | CPU s | share | CPU ms per {unit} |"
        rule = "| --- | ---: | ---: | ---: |"
    lines = [header, rule]
    for name, seconds in parts:
        row = f"| {name} | {seconds:.2f} | {seconds / total:.0%} |"
        if per:
            row += f" {seconds * 1000 / per:.3f} |"
        lines.append(row)
    footer = f"| total | {total:.2f} | 100% |"
    lines.append(footer + (f" {total * 1000 / per:.3f} |" if per else ""))
    lines += ["", "| function (self time) | calls | CPU s |", "| --- | ---: | ---: |"]
    entries = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][2],
        reverse=True,
    )
    for (filename, line, function), values in entries[:top]:
        where = _short(filename)
        lines.append(f"| {function} ({where}:{line}) | {values[1]} | {values[2]:.2f} |")
    return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


async def profiled(
    action: Callable[[], Awaitable[None]],
) -> tuple[pstats.Stats, float, float]:
    """Run ``action`` under cProfile (CPU-time clock): (stats, wall s, CPU s)."""
    profiler = cProfile.Profile(time.process_time)
    wall, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    try:
        await action()
    finally:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return pstats.Stats(profiler), wall, cpu


def timed(action: Callable[[], object], repeat: int) -> float:
    """CPU milliseconds per call of ``action``."""
    started = time.process_time()
    for _ in range(repeat):
        action()
    return (time.process_time() - started) * 1000 / repeat


async def unprofiled(action: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """(wall s, CPU s) of ``action`` without a profiler."""
    wall, cpu = time.perf_counter(), time.process_time()
    await action()
    return time.perf_counter() - wall, time.process_time() - cpu


async def statement_costs(app: InvoiceApp, url: str, calls: int) -> list[tuple[str, float, float]]:
    """CPU and wall ms per call of one point lookup (a creditor by business id) through
    the layers the repositories use, and through less of them."""
    business_id = "2400000-5"
    prebuilt = sa.select(creditors).where(creditors.c.business_id == business_id)
    results: list[tuple[str, float, float]] = []

    async def measure(label: str, action: Callable[[], Awaitable[object]]) -> None:
        for _ in range(50):  # warm statement caches and the connection
            await action()

        async def repeat() -> None:
            for _ in range(calls):
                await action()

        wall, cpu = await unprofiled(repeat)
        results.append((label, cpu * 1000 / calls, wall * 1000 / calls))

    async with app.database.session() as session, session.begin():
        await measure(
            "AsyncSession.execute, statement built per call (as the repositories do)",
            lambda: session.execute(
                sa.select(creditors).where(creditors.c.business_id == business_id)
            ),
        )
        await measure(
            "AsyncSession.execute, statement built once", lambda: session.execute(prebuilt)
        )
    async with app.database.engine.connect() as connection:
        await measure(
            "AsyncConnection.execute (Core), built once, traced engine",
            lambda: connection.execute(prebuilt),
        )
    plain = create_async_engine(url)
    try:
        async with plain.connect() as connection:
            await measure(
                "AsyncConnection.execute (Core), built once, engine without tracing",
                lambda: connection.execute(prebuilt),
            )
    finally:
        await plain.dispose()
    raw = await asyncpg.connect(libpq_dsn(url))
    try:
        await measure(
            "asyncpg fetchrow (prepared, cached)",
            lambda: raw.fetchrow("SELECT * FROM creditors WHERE business_id = $1", business_id),
        )
    finally:
        await raw.close()
    return results


def _for_core(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill rows hold decimal text as COPY writes it; the ORM type wants ``Decimal``."""
    decimal_columns = [c.name for c in table.columns if isinstance(c.type, DecimalText)]
    if not decimal_columns:
        return rows
    converted = []
    for row in rows:
        row = dict(row)
        for name in decimal_columns:
            if row[name] is not None:
                row[name] = Decimal(row[name])
        converted.append(row)
    return converted


async def batched_writes(
    app: InvoiceApp, url: str, population: Population, first_slot: int, count: int
) -> list[tuple[str, float, float]]:
    """CPU and wall ms per invoice to write ``count`` invoices' rows in one transaction:
    multi-row INSERTs through SQLAlchemy Core (the service's traced engine), and COPY.
    The rows are built beforehand and not timed."""
    connection = await asyncpg.connect(libpq_dsn(url))
    try:
        builder = FillRowBuilder(
            AesGcmNationalIdProtector(HETU_KEY, PERSON_KEY_SECRET.encode()),
            PERSON_KEY_SECRET.encode(),
            await creditor_ids(connection),
            await templates(connection),
            await case_numbers(connection),
        )

        def build(slots: range) -> FillRows:
            rows = FillRows()
            for slot in slots:
                debtor = population.debtor(population.owner(slot))
                rows.extend(builder.rows(population.invoice(slot), debtor, AS_IMPORTED))
            return rows

        core_rows = build(range(first_slot, first_slot + count))
        copy_batch = build(range(first_slot + count, first_slot + 2 * count))
        core_input = {t.name: _for_core(t, core_rows.rows[t.name]) for t in TABLES}

        async def core() -> None:
            async with app.database.engine.begin() as core_connection:
                for table in TABLES:
                    await core_connection.execute(sa.insert(table), core_input[table.name])

        async def copy() -> None:
            await copy_rows(connection, copy_batch)

        results = []
        for label, action in (
            (f"{count} invoices, multi-row INSERT (SQLAlchemy Core executemany)", core),
            (f"{count} invoices, COPY (asyncpg)", copy),
        ):
            wall, cpu = await unprofiled(action)
            results.append((label, cpu * 1000 / count, wall * 1000 / count))
        return results
    finally:
        await connection.close()


@dataclass
class ImportPathResult:
    """One way of importing, measured twice: without and under the profiler."""

    label: str
    invoices: int
    wall_ms: float
    cpu_ms: float
    statements: dict[str, float]
    profile: pstats.Stats
    profiled_cpu_ms: float
    postgres_cpu_ms: float


async def measure_import_path(
    app: InvoiceApp,
    observer: asyncpg.Connection,
    label: str,
    run: Callable[[list[bytes]], Awaitable[None]],
    plain: list[bytes],
    profiled_documents: list[bytes],
) -> ImportPathResult:
    """``run`` over ``plain`` without the profiler, then over ``profiled_documents`` under
    it with the statements recorded; PostgreSQL's CPU (the service's backends, seen
    through ``observer``) is measured in the first run."""
    backends_before = cpu_of(await backend_pids(observer, APPLICATION_NAME))
    wall, cpu = await unprofiled(lambda: run(plain))
    backends_after = cpu_of(await backend_pids(observer, APPLICATION_NAME))
    with StatementRecorder(app.database.engine) as recorder:
        stats, _wall, profiled_cpu = await profiled(lambda: run(profiled_documents))
    n = len(profiled_documents)
    return ImportPathResult(
        label,
        len(plain),
        wall * 1000 / len(plain),
        cpu * 1000 / len(plain),
        {kind: number / n for kind, number in recorder.kinds().items()},
        stats,
        profiled_cpu * 1000 / n,
        cpu_used(backends_before, backends_after) * 1000 / len(plain),
    )


async def profile_import(
    postgres_url: str,
    count: int,
    batch: int,
    top: int,
    *,
    existing_url: str = "",
    first_slot: int = 0,
) -> None:
    """Parse, crypto and whole imports in this process: one message per call
    (``ImportFinvoice``) and ``batch`` messages per call (``ImportInvoices``).

    On a fresh database, or on ``existing_url`` (e.g. one kept by ``invoice_import.py
    --keep``; it is not dropped) with slots from ``first_slot`` on, so that the invoice
    numbers are new there.
    """
    phases = 4  # one message at a time and batched, each without and under the profiler
    documents_needed = 20 + phases * count
    population = Population(first_slot + documents_needed + 2_000, seed=7)
    slots = range(first_slot, first_slot + documents_needed)
    documents = [population.finvoice(slot) for slot in slots]
    parse_ms = timed(lambda: [parse_finvoice(d) for d in documents[:500]], 3) / 500

    async def parse_all() -> None:
        for document in documents[:500]:
            parse_finvoice(document)

    parse_stats, _wall, _cpu = await profiled(parse_all)
    keys = AesGcmNationalIdProtector(HETU_KEY, PERSON_KEY_SECRET.encode())
    national_id = NationalId("010190-900R")
    protect_ms = timed(lambda: keys.protect(national_id), 2_000)
    parts = [documents[20 + i * count : 20 + (i + 1) * count] for i in range(phases)]
    name = "" if existing_url else new_database_name()
    url = existing_url or await create_database(postgres_url, name)
    try:
        async with invoice_app(url) as app:

            async def one_by_one(chunk: list[bytes]) -> None:
                for document in chunk:
                    await app.handlers.import_finvoice(
                        ImportFinvoice(document, request_id_for(document))
                    )

            async def batched(chunk: list[bytes]) -> None:
                for start in range(0, len(chunk), batch):
                    commands = [
                        ImportFinvoice(document, request_id_for(document))
                        for document in chunk[start : start + batch]
                    ]
                    await app.handlers.import_batch(commands)

            # Warm up the connection pool and statement caches outside the measurement.
            await one_by_one(documents[:20])
            observer = await asyncpg.connect(libpq_dsn(url))
            try:
                paths = [
                    await measure_import_path(
                        app, observer, "one message per transaction", one_by_one, *parts[:2]
                    ),
                    await measure_import_path(
                        app, observer, f"{batch} messages per transaction", batched, *parts[2:]
                    ),
                ]
            finally:
                await observer.close()
            costs = await statement_costs(app, url, 2_000)
            writes = await batched_writes(app, url, population, slots.stop, 1_000)
    finally:
        if name:
            await drop_database(postgres_url, name)
    print(f"Finvoice parse alone: {parse_ms:.3f} ms CPU per message")
    print(f"henkilötunnus protect alone (HMAC + AES-GCM): {protect_ms:.3f} ms CPU")
    print()
    print(
        "| imports in process, one call after another (no gRPC) | invoices | wall ms per "
        "invoice | CPU ms per invoice | PostgreSQL CPU ms per invoice | CPU ms under the "
        "profiler | SQL statements per invoice |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in paths:
        print(
            f"| {path.label} | {path.invoices} | {path.wall_ms:.2f} | {path.cpu_ms:.2f} | "
            f"{path.postgres_cpu_ms:.2f} | {path.profiled_cpu_ms:.2f} | "
            f"{sum(path.statements.values()):.2f} |"
        )
    print()
    kinds = sorted({kind for path in paths for kind in path.statements})
    print("| statement | " + " | ".join(path.label for path in paths) + " |")
    print("| --- |" + " ---: |" * len(paths))
    for kind in kinds:
        per = " | ".join(f"{path.statements.get(kind, 0.0):.2f}" for path in paths)
        print(f"| {kind} | {per} |")
    print()
    print("| one point lookup through | CPU ms | wall ms |\n| --- | ---: | ---: |")
    for label, cpu_ms, wall_ms in costs:
        print(f"| {label} | {cpu_ms:.3f} | {wall_ms:.3f} |")
    print()
    print("| rows of a batch written in one transaction | CPU ms per invoice | wall ms per "
          "invoice |\n| --- | ---: | ---: |")  # fmt: skip
    for label, cpu_ms, wall_ms in writes:
        print(f"| {label} | {cpu_ms:.3f} | {wall_ms:.3f} |")
    for path in paths:
        print()
        print(f"### Import, {path.label}, profiled")
        print(summary_text(path.profile, per=count, unit="invoice", top=top))
    print()
    print("### Parse alone, profiled")
    print(summary_text(parse_stats, per=500, unit="message", top=15))


async def table_scans(connection: asyncpg.Connection) -> dict[str, tuple[int, int, int]]:
    """(sequential scans, rows they read, index scans) per table so far."""
    rows = await connection.fetch(
        "SELECT relname, seq_scan, seq_tup_read, COALESCE(idx_scan, 0) AS idx_scan "
        "FROM pg_stat_user_tables"
    )
    return {row["relname"]: (row["seq_scan"], row["seq_tup_read"], row["idx_scan"]) for row in rows}


async def profile_growth(postgres_url: str, total: int, chunk: int, batch: int) -> None:
    """Import ``total`` invoices in process, ``batch`` per transaction, on a fresh
    database; per ``chunk``: CPU of the service and of PostgreSQL per invoice, and the
    tables PostgreSQL scanned sequentially (a cost that grows with the table shows here)."""
    population = Population(total, seed=11)
    documents = [population.finvoice(slot) for slot in range(total)]
    name = new_database_name()
    url = await create_database(postgres_url, name)
    print("| invoices stored | service CPU ms per invoice | PostgreSQL CPU ms per invoice | "
          "sequential scans in the chunk (rows read) |")  # fmt: skip
    print("| ---: | ---: | ---: | --- |")
    try:
        observer = await asyncpg.connect(libpq_dsn(url))
        try:
            async with invoice_app(url) as app:
                for start in range(0, total, chunk):
                    scans = await table_scans(observer)
                    backends = cpu_of(await backend_pids(observer, APPLICATION_NAME))
                    cpu = time.process_time()
                    for first in range(start, min(total, start + chunk), batch):
                        commands = [
                            ImportFinvoice(document, request_id_for(document))
                            for document in documents[first : first + batch]
                        ]
                        await app.handlers.import_batch(commands)
                    cpu = time.process_time() - cpu
                    used = cpu_used(
                        backends, cpu_of(await backend_pids(observer, APPLICATION_NAME))
                    )
                    after = await table_scans(observer)
                    scanned = ", ".join(
                        f"{table} {after[table][0] - scans.get(table, (0, 0, 0))[0]} "
                        f"({after[table][1] - scans.get(table, (0, 0, 0))[1]})"
                        for table in sorted(after)
                        if after[table][1] > scans.get(table, (0, 0, 0))[1]
                    )
                    done = min(total, start + chunk)
                    count = done - start
                    print(
                        f"| {done} | {cpu * 1000 / count:.2f} | {used * 1000 / count:.2f} | "
                        f"{scanned or 'none'} |",
                        flush=True,
                    )
        finally:
            await observer.close()
    finally:
        await drop_database(postgres_url, name)


async def profile_list(database_url: str, total: int, seed: int, calls: int, top: int) -> None:
    """``ListInvoices`` use case plus protobuf mapping in this process."""
    population = Population(total, seed=seed)
    secret = PERSON_KEY_SECRET.encode()
    rng = random.Random(seed)
    scenarios = {
        "ordinary debtor, all": population.ordinary_debtors(),
        "heavy debtor, all": population.heavy_debtors(),
    }
    async with invoice_app(database_url) as app:
        for label, indexes in scenarios.items():
            if not indexes:
                continue
            sample = rng.sample(indexes, min(200, len(indexes)))
            parties = [population.debtor(i).party(secret) for i in sample]
            returned = 0

            async def lists(parties: list[str] = parties) -> None:
                nonlocal returned
                for index in range(calls):
                    page = await app.handlers.list_invoices(
                        list_request(parties[index % len(parties)])
                    )
                    returned += len(page.invoices)
                    for invoice in page.invoices:
                        invoice_to_proto(invoice, Language.FI, View.BASIC)

            await lists()  # warm up
            returned = 0
            plain_wall, plain_cpu = await unprofiled(lists)
            per_answer = returned / calls
            with StatementRecorder(app.database.engine) as recorder:
                stats, wall, cpu = await profiled(lists)
            print(f"## {label}")
            print(
                f"{calls} calls one after another, in process (no gRPC), {per_answer:.1f} "
                f"invoices per answer: {plain_wall * 1000 / calls:.2f} ms wall and "
                f"{plain_cpu * 1000 / calls:.2f} ms CPU per call without the profiler; "
                f"{wall * 1000 / calls:.2f} ms wall and {cpu * 1000 / calls:.2f} ms CPU under "
                f"it; {len(recorder.statements) / calls:.1f} statements per call, "
                f"{recorder.seconds * 1000 / calls:.2f} ms per call inside them (wall)"
            )
            print()
            print(summary_text(stats, per=calls, unit="call", top=top))
            print()


def serve_profiled(output: Path) -> int:
    """``python -m ropo_invoice serve`` under cProfile with the CPU-time clock; the
    statistics are written when the server stops (SIGTERM drains and returns)."""
    from ropo_invoice.__main__ import main

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        return main(["serve"])
    finally:
        profiler.disable()
        profiler.dump_stats(str(output))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="summarise a .pstats file")
    summary.add_argument("file", type=Path)
    summary.add_argument("--per", type=int, default=0, help="divide by this many calls")
    summary.add_argument("--unit", default="call")
    summary.add_argument("--top", type=int, default=25)
    imports = commands.add_parser("import", help="profile imports in this process")
    imports.add_argument("--postgres-url", required=True)
    imports.add_argument("--invoices", type=int, default=1_000, help="per measured phase")
    imports.add_argument("--batch", type=int, default=100, help="messages per import_batch")
    imports.add_argument("--database-url", default="", help="use this database (not dropped)")
    imports.add_argument("--first-slot", type=int, default=0, help="first invoice slot used")
    imports.add_argument("--top", type=int, default=25)
    growth = commands.add_parser("growth", help="import cost as the tables grow")
    growth.add_argument("--postgres-url", required=True)
    growth.add_argument("--invoices", type=int, default=36_000)
    growth.add_argument("--chunk", type=int, default=4_000)
    growth.add_argument("--batch", type=int, default=100)
    lists = commands.add_parser("list", help="profile ListInvoices in this process")
    lists.add_argument("--database-url", required=True)
    lists.add_argument("--total", type=int, required=True)
    lists.add_argument("--seed", type=int, default=1)
    lists.add_argument("--calls", type=int, default=1_000)
    lists.add_argument("--top", type=int, default=25)
    serve = commands.add_parser("serve", help="run the server under the profiler")
    serve.add_argument("output", type=Path)
    args = parser.parse_args()
    if args.command == "summary":
        stats = pstats.Stats(str(args.file))
        print(summary_text(stats, per=args.per, unit=args.unit, top=args.top))
    elif args.command == "import":
        asyncio.run(
            profile_import(
                args.postgres_url,
                args.invoices,
                args.batch,
                args.top,
                existing_url=args.database_url,
                first_slot=args.first_slot,
            )
        )
    elif args.command == "growth":
        asyncio.run(profile_growth(args.postgres_url, args.invoices, args.chunk, args.batch))
    elif args.command == "list":
        asyncio.run(profile_list(args.database_url, args.total, args.seed, args.calls, args.top))
    else:
        sys.exit(serve_profiled(args.output))


if __name__ == "__main__":
    main()
