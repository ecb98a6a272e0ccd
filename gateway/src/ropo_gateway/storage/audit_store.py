"""The audit log on the gateway database (``audit.model.AuditLog``).

Appends are serialised so that the hash chain has no forks: an in-process lock
for the tasks of this process and, on PostgreSQL, a transaction-scoped advisory
lock for the other gateway replicas. The sequence is the previous one plus one,
assigned under the same locks, so a gap or a reordering is visible too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from ropo_platform.db import Database

from ropo_gateway.audit.model import (
    GENESIS_HASH,
    AuditEvent,
    AuditRecord,
    Channel,
    Outcome,
    Purpose,
    chain_hash,
)
from ropo_gateway.auth.sessions import utc_now
from ropo_gateway.storage.tables import audit_log

#: Advisory lock key of the audit chain ("ropo-audit" as a number).
_CHAIN_LOCK_KEY: Final = 0x726F706F2D61756
READ_BATCH: Final = 1000


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        sequence=int(row.sequence),
        recorded_at=row.recorded_at,
        request_id=row.request_id,
        event=AuditEvent(
            actor=row.actor,
            resource=row.resource,
            purpose=Purpose(row.purpose),
            outcome=Outcome(row.outcome),
            channel=Channel(row.channel),
            data_subject=row.data_subject,
            reason=row.reason,
            result_count=row.result_count,
        ),
        previous_hash=row.previous_hash,
        record_hash=row.record_hash,
    )


class SqlAuditLog:
    """Append-only, hash-chained audit records; reading back is for tests and audits."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = database
        self._clock = clock
        self._lock = asyncio.Lock()

    async def append(self, event: AuditEvent, request_id: str) -> AuditRecord:
        async with self._lock, self._db.transaction() as tx:
            if self._db.dialect_name == "postgresql":
                await tx.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))
            last = (
                await tx.execute(
                    sa.select(audit_log.c.sequence, audit_log.c.record_hash)
                    .order_by(audit_log.c.sequence.desc())
                    .limit(1)
                )
            ).first()
            sequence = int(last.sequence) + 1 if last else 1
            previous = str(last.record_hash) if last else GENESIS_HASH
            # UTC with microseconds is exactly what the database keeps and gives back.
            recorded_at = self._clock().astimezone(UTC)
            record_hash = chain_hash(event, recorded_at, request_id, previous)
            await tx.execute(
                sa.insert(audit_log).values(
                    sequence=sequence,
                    recorded_at=recorded_at,
                    request_id=request_id,
                    actor=event.actor,
                    data_subject=event.data_subject,
                    resource=event.resource,
                    purpose=event.purpose.value,
                    outcome=event.outcome.value,
                    channel=event.channel.value,
                    reason=event.reason,
                    result_count=event.result_count,
                    previous_hash=previous,
                    record_hash=record_hash,
                )
            )
        return AuditRecord(sequence, recorded_at, request_id, event, previous, record_hash)

    async def records(
        self, *, request_id: str | None = None, after_sequence: int = 0, limit: int = READ_BATCH
    ) -> list[AuditRecord]:
        """Stored records in chain order, optionally of one request only."""
        query = (
            sa.select(audit_log)
            .where(audit_log.c.sequence > after_sequence)
            .order_by(audit_log.c.sequence)
            .limit(limit)
        )
        if request_id is not None:
            query = query.where(audit_log.c.request_id == request_id)
        async with self._db.session() as session:
            return [_record(row) for row in await session.execute(query)]

    async def all_records(self) -> AsyncIterator[AuditRecord]:
        """Every record in chain order, read in batches (for ``verify_chain``)."""
        after = 0
        while batch := await self.records(after_sequence=after):
            for record in batch:
                yield record
            after = batch[-1].sequence
