"""PostgreSQL side of the invoice benchmark: a database per run, the bulk fill, EXPLAIN.

The run's database is created from the administrative URL given on the command line
and migrated with the invoice service's own Alembic scripts. The bulk fill writes with
``COPY`` (asyncpg's binary copy) into the tables of ``ropo_invoice.adapters.orm``, one
transaction per chunk, in foreign-key order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from invoice_rows import TABLES, FillRows, Row, columns
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.adapters.orm import invoice_lines, invoice_timeline, invoices, ledger_components
from ropo_platform.db.migrations import upgrade_to_head_async
from sqlalchemy.engine import make_url

# Table names in SQL text below are the ORM's constants, never input (hence noqa: S608).

DATABASE_PREFIX = "ropo_bench_invoices_"


def database_url(admin_url: str, database: str) -> str:
    """``admin_url`` pointing at ``database`` instead (SQLAlchemy form, asyncpg driver)."""
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def libpq_dsn(url: str) -> str:
    """The asyncpg (libpq-style) DSN of a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def new_database_name() -> str:
    """A fresh name per run, so a run never touches another run's (or anyone's) data."""
    return f"{DATABASE_PREFIX}{datetime.now(UTC):%Y%m%d_%H%M%S}"


async def create_database(admin_url: str, name: str) -> str:
    """Create ``name`` (it must not exist), migrate it to head; returns its URL."""
    connection = await asyncpg.connect(libpq_dsn(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = database_url(admin_url, name)
    await upgrade_to_head_async(url, migrations_dir())
    return url


async def drop_database(admin_url: str, name: str) -> None:
    """Drop the run's database (only names this module made)."""
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError("refusing to drop a database the benchmark did not create")
    connection = await asyncpg.connect(libpq_dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def server_version(connection: asyncpg.Connection) -> str:
    """``PostgreSQL 15.20`` style version of the server."""
    version = str(await connection.fetchval("SHOW server_version"))
    return f"PostgreSQL {version.split()[0]}"


async def templates(connection: asyncpg.Connection) -> dict[str, Row]:
    """One row per fill table of the first imported invoice (its lowest ledger and line
    positions): the values for columns the row builder does not know."""
    invoice = await connection.fetchrow("SELECT * FROM invoices ORDER BY created_at, id LIMIT 1")
    if invoice is None:
        raise RuntimeError("no imported invoice to take template rows from")
    result: dict[str, Row] = {invoices.name: dict(invoice)}
    for table in (ledger_components, invoice_lines, invoice_timeline):
        row = await connection.fetchrow(
            f"SELECT * FROM {table.name} WHERE invoice_id = $1 ORDER BY position LIMIT 1",  # noqa: S608
            invoice["id"],
        )
        if row is None:
            raise RuntimeError(f"the imported invoice has no {table.name} row")
        result[table.name] = dict(row)
    return result


async def stored_rows(
    connection: asyncpg.Connection, creditor_id: str, invoice_number: str
) -> dict[str, list[Row]]:
    """The rows the import stored for one invoice, per table, in position order."""
    invoice = await connection.fetchrow(
        "SELECT * FROM invoices WHERE creditor_id = $1 AND invoice_number = $2",
        creditor_id,
        invoice_number,
    )
    if invoice is None:
        raise RuntimeError(f"invoice {invoice_number} was not imported")
    result: dict[str, list[Row]] = {invoices.name: [dict(invoice)]}
    for table in (ledger_components, invoice_lines, invoice_timeline):
        rows = await connection.fetch(
            f"SELECT * FROM {table.name} WHERE invoice_id = $1 ORDER BY position",  # noqa: S608
            invoice["id"],
        )
        result[table.name] = [dict(row) for row in rows]
    return result


async def creditor_ids(connection: asyncpg.Connection) -> dict[str, str]:
    """Business id → creditor id of the creditors the import created."""
    rows = await connection.fetch("SELECT business_id, id FROM creditors")
    return {row["business_id"]: row["id"] for row in rows}


async def case_numbers(connection: asyncpg.Connection) -> set[str]:
    """Case numbers already taken."""
    return {row[0] for row in await connection.fetch("SELECT case_number FROM invoices")}


async def copy_rows(connection: asyncpg.Connection, rows: FillRows) -> None:
    """Write ``rows`` with COPY in one transaction (parents before children)."""
    async with connection.transaction():
        for table in TABLES:
            if rows.count(table):
                await connection.copy_records_to_table(
                    table.name, records=rows.records(table), columns=columns(table)
                )


@dataclass(frozen=True, slots=True)
class TableSize:
    """Rows and on-disk size (with indexes and TOAST) of one table."""

    table: str
    rows: int
    total_mib: float


async def table_sizes(connection: asyncpg.Connection) -> list[TableSize]:
    """Sizes of the fill tables (exact row counts)."""
    sizes = []
    for table in TABLES:
        count = await connection.fetchval(f"SELECT count(*) FROM {table.name}")  # noqa: S608
        size = await connection.fetchval("SELECT pg_total_relation_size($1::regclass)", table.name)
        sizes.append(TableSize(table.name, int(count), round(int(size) / 2**20, 1)))
    return sizes


async def analyze(connection: asyncpg.Connection) -> float:
    """``VACUUM ANALYZE`` the fill tables (statistics and the visibility map, as
    autovacuum would eventually); returns the seconds taken."""
    started = time.perf_counter()
    for table in TABLES:
        await connection.execute(f"VACUUM (ANALYZE) {table.name}")
    return time.perf_counter() - started


async def backend_pids(connection: asyncpg.Connection, application_name: str) -> list[int]:
    """Server processes of the connections ``application_name`` holds now."""
    rows = await connection.fetch(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = "
        "current_database()",
        application_name,
    )
    return [int(row["pid"]) for row in rows]
