"""Seeding the authorization database for the CheckAccess benchmark.

Ownership (what ``invoice_registered`` would have recorded) goes straight into the
service's table with ``COPY``: the columns come from ``ropo_authorization.adapters.orm``,
so a column added later is filled from its default or left NULL, and a required column
the seeder cannot fill stops the run with its name rather than seeding wrong rows.

Per-invoice authorizations go through the service's own ``GrantInvoiceAuthorization``
(the grantor is the debtor, the grantee named by henkilötunnus, as the gateway sends it):
their storage (encrypted identity code, events in the outbox) stays the service's
business. When the method is not implemented yet the run goes on with ownership only.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import grpc
from authorization_data import AccessPopulation, hetu
from ropo.authorization.v1 import authorization_service_pb2 as pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as pb_grpc
from ropo_authorization.adapters import orm
from sqlalchemy import Table

# Table names in SQL text below come from the ORM or the database's own catalogue, never
# from input (hence noqa: S608).

OWNERSHIP = orm.invoice_ownership
COPY_CHUNK = 20_000
#: Fixed, so that two runs seed the same rows.
REGISTERED = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
#: Grants in flight while seeding.
GRANT_CONCURRENCY = 16


#: The ownership columns the seeder fills itself (see ``_known_values``).
KNOWN_COLUMNS = frozenset({"invoice", "creditor", "debtor_party", "register_time", "recorded_at"})


class UnfillableColumn(RuntimeError):
    """The table has a required column the seeder does not know how to fill."""


def _known_values(population: AccessPopulation, invoice: int) -> dict[str, Any]:
    return {
        "invoice": population.invoice_name(invoice),
        "creditor": population.creditor_name(invoice),
        "debtor_party": population.party(population.owner(invoice)),
        "register_time": REGISTERED,
        "recorded_at": REGISTERED,
    }


@dataclass(frozen=True, slots=True)
class DbColumn:
    """A column as the database has it (the server may run older or newer code than
    this process imports, e.g. with ``--code-from``)."""

    name: str
    nullable: bool
    has_default: bool


async def database_columns(connection: asyncpg.Connection, table: str) -> list[DbColumn]:
    """The columns of ``table`` in the run's database, in order."""
    rows = await connection.fetch(
        "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    return [
        DbColumn(row["column_name"], row["is_nullable"] == "YES", row["column_default"] is not None)
        for row in rows
    ]


def ownership_columns(
    present: Sequence[DbColumn], orm_table: Table = OWNERSHIP
) -> tuple[list[str], dict[str, Any]]:
    """(columns to COPY, constant values of the columns the seeder does not know).

    An unknown column gets the ORM's Python-side scalar default when it has one; one
    with a database default is left out of the COPY; a nullable one gets NULL."""
    columns: list[str] = []
    constants: dict[str, Any] = {}
    for column in present:
        if column.name in KNOWN_COLUMNS:
            columns.append(column.name)
            continue
        mapped = orm_table.c.get(column.name)
        default = mapped.default if mapped is not None else None
        if default is not None and getattr(default, "is_scalar", False):
            columns.append(column.name)
            constants[column.name] = getattr(default, "arg", None)
        elif column.has_default:
            continue
        elif column.nullable:
            columns.append(column.name)
            constants[column.name] = None
        else:
            raise UnfillableColumn(
                f"{orm_table.name}.{column.name} is required and has no default: teach "
                "bench/authorization_seed.py its value"
            )
    missing = KNOWN_COLUMNS - {column.name for column in present}
    if missing:
        raise UnfillableColumn(f"{orm_table.name} lacks {', '.join(sorted(missing))}")
    return columns, constants


def ownership_records(
    population: AccessPopulation,
    start: int,
    stop: int,
    columns: Sequence[str],
    constants: dict[str, Any],
) -> Iterator[tuple[Any, ...]]:
    """COPY records of invoices ``start … stop-1`` in ``columns`` order."""
    for invoice in range(start, stop):
        values = {**constants, **_known_values(population, invoice)}
        yield tuple(values[name] for name in columns)


async def copy_ownership(connection: asyncpg.Connection, population: AccessPopulation) -> float:
    """Write every invoice's ownership row with COPY (chunked transactions) and
    ``VACUUM ANALYZE`` the table; returns the seconds taken."""
    started = time.perf_counter()
    columns, constants = ownership_columns(await database_columns(connection, OWNERSHIP.name))
    for start in range(0, population.invoices, COPY_CHUNK):
        stop = min(population.invoices, start + COPY_CHUNK)
        async with connection.transaction():
            await connection.copy_records_to_table(
                OWNERSHIP.name,
                records=ownership_records(population, start, stop, columns, constants),
                columns=columns,
            )
    await connection.execute(f"VACUUM (ANALYZE) {OWNERSHIP.name}")
    return time.perf_counter() - started


@dataclass
class GrantOutcome:
    """What seeding the authorizations did."""

    planned: int
    granted: int = 0
    failed: int = 0
    seconds: float = 0.0
    #: Set when the service does not offer GrantInvoiceAuthorization yet.
    unavailable: str = ""
    #: The first few failures (status code and message; the service never echoes values).
    sample_errors: list[str] = field(default_factory=list)
    #: Indexes into ``population.grants`` that were granted.
    granted_indexes: list[int] = field(default_factory=list)


def request_id(key: str) -> str:
    """A UUID4-shaped request id derived from ``key`` (the same on every run)."""
    bits = random.Random(key).getrandbits(128)
    return str(uuid.UUID(int=bits, version=4))


def grant_request(population: AccessPopulation, index: int) -> pb.GrantInvoiceAuthorizationRequest:
    """The debtor's request to authorize the planned grantee on the planned invoice."""
    grant = population.grants[index]
    invoice = population.invoice_name(grant.invoice)
    return pb.GrantInvoiceAuthorizationRequest(
        request_id=request_id(f"grant:{population.seed}:{invoice}"),
        invoice=invoice,
        grantor=population.party(grant.grantor),
        grantee_national_id=hetu(grant.grantee),
        grantee_name=f"Valtuutettu {grant.grantee}",
    )


async def grant_authorizations(address: str, population: AccessPopulation) -> GrantOutcome:
    """Grant every planned authorization through the API (``GRANT_CONCURRENCY`` at a time)."""
    outcome = GrantOutcome(planned=len(population.grants))
    if not population.grants:
        return outcome
    started = time.perf_counter()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.AuthorizationServiceStub(channel)
        try:
            await stub.GrantInvoiceAuthorization(grant_request(population, 0), timeout=30)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                outcome.unavailable = f"{error.code().name}: {error.details()}"
                return outcome
            _failed(outcome, error)
        else:
            outcome.granted += 1
            outcome.granted_indexes.append(0)
        pending = iter(range(1, len(population.grants)))

        async def worker() -> None:
            for index in pending:
                try:
                    await stub.GrantInvoiceAuthorization(
                        grant_request(population, index), timeout=30
                    )
                except grpc.aio.AioRpcError as error:
                    _failed(outcome, error)
                    continue
                outcome.granted += 1
                outcome.granted_indexes.append(index)

        await asyncio.gather(*(worker() for _ in range(GRANT_CONCURRENCY)))
    outcome.seconds = round(time.perf_counter() - started, 1)
    return outcome


def _failed(outcome: GrantOutcome, error: grpc.aio.AioRpcError) -> None:
    outcome.failed += 1
    if len(outcome.sample_errors) < 5:
        outcome.sample_errors.append(f"{error.code().name}: {error.details()}")


async def table_rows(connection: asyncpg.Connection) -> dict[str, int]:
    """Exact row counts of the tables in the run's database (ownership, authorizations,
    outbox, …: whatever the served code's migrations made)."""
    names = await connection.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version' ORDER BY table_name"
    )
    counts = {}
    for row in names:
        table = str(row["table_name"]).replace('"', '""')
        counts[row["table_name"]] = int(
            await connection.fetchval(f'SELECT count(*) FROM "{table}"')  # noqa: S608
        )
    return counts
