"""The invoice benchmark's data: what it imports is valid and as planned, and what its bulk
fill writes is what the import would have written (so ListInvoices is timed on rows the
service itself produces)."""

from __future__ import annotations

import asyncio
import collections
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from invoice_data import CREDITORS, HEAVY_COUNTS, ORDINARY_COUNTS, Population
from invoice_db import copy_rows, creditor_ids, libpq_dsn, stored_rows, table_sizes, templates
from invoice_inprocess import list_request
from invoice_rows import (
    AS_IMPORTED,
    TABLES,
    FillRowBuilder,
    FillRows,
    Row,
    differences,
    lifecycle,
)
from invoice_server import HETU_KEY, PERSON_KEY_SECRET
from loadgen import run_closed_loop
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.adapters.orm import (
    DecimalText,
    creditors,
    invoice_lines,
    invoice_timeline,
    invoices,
    ledger_components,
)
from ropo_invoice.bootstrap import InvoiceApp
from ropo_invoice.domain.commands import RegisterInvoice
from ropo_invoice.domain.identifiers import ReferenceKind
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_platform.testing.databases import POSTGRESQL

SECRET = PERSON_KEY_SECRET.encode()
TOTAL = 3_000


@pytest.fixture(scope="module")
def population() -> Population:
    return Population(TOTAL, seed=5)


def _builder(ids: dict[str, str], template_rows: dict[str, Row]) -> FillRowBuilder:
    return FillRowBuilder(AesGcmNationalIdProtector(HETU_KEY, SECRET), SECRET, ids, template_rows)


async def _import(app: InvoiceApp, population: Population, slots: range) -> None:
    for slot in slots:
        result = await app.handlers.import_finvoice(ImportFinvoice(population.finvoice(slot)))
        assert result.created


async def _stored(app: InvoiceApp, creditor_id: str, number: str) -> dict[str, list[Row]]:
    """The rows of one imported invoice, read through the ORM tables (either backend)."""
    async with app.database.engine.connect() as connection:
        invoice = (
            (
                await connection.execute(
                    sa.select(invoices).where(
                        invoices.c.creditor_id == creditor_id,
                        invoices.c.invoice_number == number,
                    )
                )
            )
            .mappings()
            .one()
        )
        result: dict[str, list[Row]] = {invoices.name: [dict(invoice)]}
        for table in (ledger_components, invoice_lines, invoice_timeline):
            rows = await connection.execute(
                sa.select(table)
                .where(table.c.invoice_id == invoice["id"])
                .order_by(table.c.position)
            )
            result[table.name] = [dict(row) for row in rows.mappings()]
    return result


async def _creditor_ids(app: InvoiceApp) -> dict[str, str]:
    async with app.database.engine.connect() as connection:
        rows = await connection.execute(sa.select(creditors.c.business_id, creditors.c.id))
        return {str(row.business_id): str(row.id) for row in rows}


def _as_read(table: sa.Table, rows: list[Row]) -> list[Row]:
    """Built rows hold decimal text as COPY writes it; the ORM reads it back as Decimal."""
    decimal_columns = {c.name for c in table.columns if isinstance(c.type, DecimalText)}
    return [
        {name: Decimal(v) if name in decimal_columns and v is not None else v
         for name, v in row.items()}
        for row in rows
    ]  # fmt: skip


def test_population_plans_every_slot_once_with_ordinary_and_heavy_debtors(
    population: Population,
) -> None:
    counts = population.invoice_counts
    owners = collections.Counter(population.owner(slot) for slot in range(TOTAL))

    assert sum(counts) == TOTAL
    assert owners == {index: count for index, count in enumerate(counts) if count}
    heavy = population.heavy_debtors()
    assert heavy == [0]
    assert counts[0] >= HEAVY_COUNTS[0]
    low, high = ORDINARY_COUNTS
    assert all(low <= counts[index] <= high for index in population.ordinary_debtors())
    assert len(population.ordinary_debtors()) + len(heavy) == population.debtor_count
    again = Population(TOTAL, seed=5)
    assert [again.owner(s) for s in range(TOTAL)] == [population.owner(s) for s in range(TOTAL)]
    other = Population(TOTAL, seed=6)
    assert [other.owner(s) for s in range(50)] != [population.owner(s) for s in range(50)]


def test_generated_messages_are_valid_distinct_finvoice_3_0(population: Population) -> None:
    slots = range(300)
    commands = [parse_finvoice(population.finvoice(slot)) for slot in slots]

    assert all(isinstance(command, RegisterInvoice) for command in commands)
    registered = [c for c in commands if isinstance(c, RegisterInvoice)]
    assert {c.source_format for c in registered} == {"finvoice-3.0"}
    keys = {(c.creditor.business_id.value, c.invoice_number) for c in registered}
    assert len(keys) == len(registered)
    assert {c.creditor.business_id.value for c in registered[: len(CREDITORS)]} == {
        creditor.business_id for creditor in CREDITORS
    }
    assert {c.reference.kind for c in registered} == {ReferenceKind.NATIONAL, ReferenceKind.RF}
    assert {c.debtor.kind.value for c in registered} == {"person", "organization"}
    assert {len(c.lines) for c in registered} == {1, 2, 3, 4, 5}
    for slot, command in zip(slots, registered, strict=True):
        planned = population.invoice(slot)
        assert command.amount_due.amount == planned.amount_due
        assert command.invoice_number == planned.number
        national_id = population.debtor(population.owner(slot)).national_id
        if national_id is not None:
            assert 900 <= int(national_id[7:10]) <= 999  # never issued to real people


def test_lifecycle_ages_only_overdue_invoices(population: Population) -> None:
    states = [
        (population.invoice(slot), lifecycle(slot, population.invoice(slot), population.today))
        for slot in range(1_000)
    ]

    for invoice, state in states:
        overdue = (population.today - invoice.due_date).days
        if overdue <= 0:
            assert state == AS_IMPORTED
        if state.stage == "paid":
            assert state.paid_on is not None and not state.fees
        if state.stage == "collection":
            assert overdue > 60
            assert [fee[0] for fee in state.fees] == ["reminder_fee", "payment_demand_fee"]
    assert {state.stage for _invoice, state in states} == {
        "invoice",
        "paid",
        "reminder",
        "collection",
    }


async def test_fill_rows_equal_the_rows_the_import_stores(
    bench_app: InvoiceApp, population: Population
) -> None:
    slots = range(40)
    await _import(bench_app, population, slots)
    ids = await _creditor_ids(bench_app)
    first = await _stored(bench_app, ids[CREDITORS[0].business_id], population.invoice(0).number)
    builder = _builder(ids, {name: rows[0] for name, rows in first.items()})

    problems: list[str] = []
    for slot in slots:
        invoice = population.invoice(slot)
        built = builder.rows(invoice, population.debtor(population.owner(slot)), AS_IMPORTED)
        stored = await _stored(bench_app, ids[invoice.creditor.business_id], invoice.number)
        for table in TABLES:
            rows = _as_read(table, built.rows[table.name])
            problems += differences(rows, stored[table.name], table.name, label=str(slot))

    assert problems == []
    assert builder.template_columns()[ledger_components.name] == []


async def test_differences_name_a_changed_column_without_personal_values(
    bench_app: InvoiceApp, population: Population
) -> None:
    await _import(bench_app, population, range(len(CREDITORS)))
    ids = await _creditor_ids(bench_app)
    invoice = population.invoice(0)
    stored = await _stored(bench_app, ids[invoice.creditor.business_id], invoice.number)
    builder = _builder(ids, {name: rows[0] for name, rows in stored.items()})
    built = builder.rows(invoice, population.debtor(population.owner(0)), AS_IMPORTED)
    row = dict(built.rows[invoices.name][0], due_date=invoice.invoice_date)
    row["debtor_name"] = "Someone Else"

    found = differences([row], stored[invoices.name], invoices.name, label="slot 0")

    assert any("invoices[0].due_date differs" in line for line in found)
    named = [line for line in found if "debtor_name" in line]
    assert named == ["slot 0: invoices[0].debtor_name differs"]


async def test_filled_invoices_are_listed_like_imported_ones(
    database_backend: str, bench_app: InvoiceApp, migrated_url: str, population: Population
) -> None:
    if database_backend != POSTGRESQL:
        pytest.skip("the bulk fill writes with PostgreSQL's COPY")
    imported = range(len(CREDITORS))
    await _import(bench_app, population, imported)
    heavy = population.heavy_debtors()[0]
    filled = [slot for slot in range(len(CREDITORS), TOTAL) if population.owner(slot) == heavy]
    connection = await asyncpg.connect(libpq_dsn(migrated_url))
    try:
        builder = _builder(await creditor_ids(connection), await templates(connection))
        rows = FillRows()
        states = {}
        for slot in filled:
            invoice = population.invoice(slot)
            states[invoice.number] = lifecycle(slot, invoice, population.today)
            rows.extend(builder.rows(invoice, population.debtor(heavy), states[invoice.number]))
        await copy_rows(connection, rows)
        sizes = {size.table: size.rows for size in await table_sizes(connection)}
        sample = population.invoice(filled[0])
        sample_rows = await stored_rows(
            connection, (await creditor_ids(connection))[sample.creditor.business_id],
            sample.number,
        )  # fmt: skip
    finally:
        await connection.close()
    party = population.debtor(heavy).party(SECRET)

    page = await bench_app.handlers.list_invoices(list_request(party))
    open_page = await bench_app.handlers.list_invoices(list_request(party, open_only=True))

    assert sizes[invoices.name] == len(imported) + len(filled)
    assert len(sample_rows[invoice_lines.name]) == len(sample.lines)
    assert len(page.invoices) == 20 and page.next_page_token
    due_dates = [invoice.due_date for invoice in page.invoices]
    assert due_dates == sorted(due_dates, reverse=True)
    for invoice in [*page.invoices, *open_page.invoices]:
        state = states.get(invoice.invoice_number)
        if state is None:  # one of the imported slots of the same debtor
            continue
        assert invoice.stage.value == state.stage
        fees = sum(amount for _type, amount, _day in state.fees)
        capital = invoice.ledger.capital.minor_units
        expected_open = 0 if state.paid_on else capital + fees
        assert invoice.ledger.open_amount.minor_units == expected_open
    assert all(invoice.is_open for invoice in open_page.invoices)


async def test_closed_loop_reports_ordered_percentiles_and_the_maximum() -> None:
    delays = iter([0.001, 0.002, 0.004, 0.008] * 1_000)

    async def call() -> Any:
        await asyncio.sleep(next(delays))

    result = await run_closed_loop("sleep", call, in_flight=4, duration_s=0.3, warmup_s=0.05)

    assert result.errors == 0
    assert 0 < result.p50_ms <= result.p90_ms <= result.p99_ms <= result.max_ms
