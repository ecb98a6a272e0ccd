"""The audit log on a migrated gateway database: append, read back, verify the hash chain,
detect tampering; concurrent appends never fork the chain (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest_asyncio
import sqlalchemy as sa
from ropo_gateway.audit.model import (
    GENESIS_HASH,
    AuditEvent,
    AuditRecord,
    Channel,
    Outcome,
    Purpose,
    verify_chain,
)
from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR
from ropo_gateway.storage.audit_store import SqlAuditLog
from ropo_gateway.storage.tables import audit_log
from ropo_platform.db import Database, upgrade_to_head_async
from ropo_platform.logging import request_id_scope

DENIAL = AuditEvent(
    actor="persons/" + "b" * 32,
    resource="invoices/inv-1",
    purpose=Purpose.ACCESS_DENIED,
    outcome=Outcome.DENIED,
    channel=Channel.MYROPO,
    reason="NO_RELATION",
)
STAFF_READ = AuditEvent(
    actor="staffUsers/aino",
    resource="invoices/inv-1",
    purpose=Purpose.CASE_VIEW,
    outcome=Outcome.ALLOWED,
    channel=Channel.ROPO_ONE,
    data_subject="persons/" + "a" * 32,
    reason="STAFF_AGENT",
)


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await upgrade_to_head_async(database_url, DEFAULT_MIGRATIONS_DIR)
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


async def stored(log: SqlAuditLog) -> list[AuditRecord]:
    return [record async for record in log.all_records()]


async def test_records_are_read_back_with_request_id_and_chained(database: Database) -> None:
    log = SqlAuditLog(database)
    trail = AuditTrail(log)
    with request_id_scope("req-1"):
        first = await trail.record(DENIAL)
    with request_id_scope("req-2"):
        second = await trail.record(STAFF_READ)

    assert [r.sequence for r in await stored(log)] == [1, 2]
    (read_back,) = await log.records(request_id="req-2")
    assert read_back == second
    assert read_back.event == STAFF_READ
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.record_hash
    assert verify_chain(await stored(log)) is None


async def test_a_changed_row_breaks_the_chain_from_that_row(database: Database) -> None:
    log = SqlAuditLog(database)
    for event in (DENIAL, STAFF_READ, DENIAL):
        await log.append(event, "req")
    async with database.transaction() as tx:
        await tx.execute(
            sa.update(audit_log).where(audit_log.c.sequence == 2).values(actor="staffUsers/eero")
        )

    broken = verify_chain(await stored(log))

    assert broken is not None and broken.sequence == 2


async def test_a_removed_row_breaks_the_chain(database: Database) -> None:
    log = SqlAuditLog(database)
    for event in (DENIAL, STAFF_READ, DENIAL):
        await log.append(event, "req")
    async with database.transaction() as tx:
        await tx.execute(sa.delete(audit_log).where(audit_log.c.sequence == 2))

    broken = verify_chain(await stored(log))

    assert broken is not None and broken.sequence == 3


async def test_a_rehashed_forgery_without_the_rest_of_the_chain_is_detected(
    database: Database,
) -> None:
    log = SqlAuditLog(database)
    records = [await log.append(event, "req") for event in (DENIAL, STAFF_READ)]
    forged = replace(records[0], event=replace(DENIAL, actor="staffUsers/someone-else"))

    assert verify_chain([forged, records[1]]) is not None


async def test_concurrent_appends_form_one_unbroken_chain(database: Database) -> None:
    logs = [SqlAuditLog(database), SqlAuditLog(database)]  # two "replicas", separate locks

    await asyncio.gather(*(logs[i % 2].append(DENIAL, f"req-{i}") for i in range(40)))

    records = await stored(logs[0])
    assert [r.sequence for r in records] == list(range(1, 41))
    assert verify_chain(records) is None
