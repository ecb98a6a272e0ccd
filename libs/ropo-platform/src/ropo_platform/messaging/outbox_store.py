"""The relay's queries on the ``outbox`` table.

Claiming uses a lease (``claimed_until``) rather than a status column: a relay
that dies holding a claim simply lets the lease run out, and another relay (or
the same one after restart) takes the rows again. The same column holds the
"not before" time of a row whose publish failed (backoff).

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` lets several relays claim
disjoint batches concurrently. SQLite has one writer at a time: the claim runs
in a ``BEGIN IMMEDIATE`` transaction, so two relays simply take turns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update

from ropo_platform.db.database import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.db.types import utcnow

_outbox = DEFAULT_TABLES.outbox
_MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One claimed row, as the relay publishes it."""

    seq: int
    id: str
    event_type: str
    source: str
    subject: str
    payload: bytes
    headers: Mapping[str, str]
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Backlog:
    unsent: int
    oldest_created_at: datetime | None

    def oldest_age(self, now: datetime | None = None) -> float:
        """Seconds since the oldest unsent row was written (0 when none)."""
        if self.oldest_created_at is None:
            return 0.0
        return max(0.0, ((now or utcnow()) - self.oldest_created_at).total_seconds())


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until <= now)


async def claim_batch(db: Database, *, limit: int, lease: timedelta) -> list[OutboxRecord]:
    """Claim up to ``limit`` unsent rows, oldest first, keeping per-subject order.

    A row is skipped while an earlier unsent row of the same ``subject`` is not
    part of this batch (claimed by another relay, or waiting for its retry),
    so a later event of an aggregate never overtakes an earlier one.
    """
    now = utcnow()
    async with db.transaction() as session:
        query = (
            select(_outbox)
            .where(_outbox.c.sent_at.is_(None), _due(now))
            .order_by(_outbox.c.seq)
            .limit(limit)
        )
        if db.dialect_name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await session.execute(query)).all()
        if not rows:
            return []

        seqs = [row.seq for row in rows]
        blockers_query = (
            select(_outbox.c.subject, func.min(_outbox.c.seq))
            .where(
                _outbox.c.sent_at.is_(None),
                _outbox.c.subject.in_({row.subject for row in rows}),
                _outbox.c.seq < max(seqs),
                _outbox.c.seq.not_in(seqs),
            )
            .group_by(_outbox.c.subject)
        )
        first_blocked: dict[str, int] = {
            subject: seq for subject, seq in (await session.execute(blockers_query)).all()
        }
        claimed = [row for row in rows if row.seq < first_blocked.get(row.subject, row.seq + 1)]
        if not claimed:
            return []
        await session.execute(
            update(_outbox)
            .where(_outbox.c.seq.in_([row.seq for row in claimed]))
            .values(claimed_until=now + lease, attempts=_outbox.c.attempts + 1)
        )
    return [
        OutboxRecord(
            seq=row.seq,
            id=row.id,
            event_type=row.event_type,
            source=row.source,
            subject=row.subject,
            payload=row.payload,
            headers=dict(row.headers),
            attempts=row.attempts + 1,
            created_at=row.created_at,
        )
        for row in claimed
    ]


async def mark_sent(db: Database, seqs: Sequence[int]) -> None:
    """Record a successful publish (after the PubAck)."""
    if not seqs:
        return
    async with db.transaction() as session:
        await session.execute(
            update(_outbox)
            .where(_outbox.c.seq.in_(list(seqs)))
            .values(sent_at=utcnow(), claimed_until=None, last_error=None)
        )


async def mark_failed(db: Database, seq: int, error: str, retry_at: datetime) -> None:
    """Record a failed publish; the row becomes claimable again at ``retry_at``."""
    async with db.transaction() as session:
        await session.execute(
            update(_outbox)
            .where(_outbox.c.seq == seq, _outbox.c.sent_at.is_(None))
            .values(last_error=error[:_MAX_ERROR_LENGTH], claimed_until=retry_at)
        )


async def release(db: Database, seqs: Sequence[int]) -> None:
    """Give claimed rows back without counting the attempt (e.g. the broker went away)."""
    if not seqs:
        return
    async with db.transaction() as session:
        await session.execute(
            update(_outbox)
            .where(_outbox.c.seq.in_(list(seqs)), _outbox.c.sent_at.is_(None))
            .values(claimed_until=None, attempts=_outbox.c.attempts - 1)
        )


async def backlog(db: Database) -> Backlog:
    """Number of unsent rows and the creation time of the oldest."""
    async with db.session() as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(_outbox.c.created_at)).where(
                    _outbox.c.sent_at.is_(None)
                )
            )
        ).one()
    if isinstance(oldest, str):
        # SQLite's MIN() loses the column type; parse its ISO text.
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=utcnow().tzinfo)
    return Backlog(unsent=int(count), oldest_created_at=oldest)


async def purge_sent(db: Database, *, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete rows sent more than ``older_than`` ago, in batches; returns the count."""
    cutoff = utcnow() - older_than
    total = 0
    while True:
        async with db.transaction() as session:
            victims = (
                select(_outbox.c.seq)
                .where(_outbox.c.sent_at.is_not(None), _outbox.c.sent_at < cutoff)
                .limit(batch_size)
                .scalar_subquery()
            )
            result = await session.execute(delete(_outbox).where(_outbox.c.seq.in_(victims)))
        deleted = int(getattr(result, "rowcount", 0) or 0)
        total += deleted
        if deleted < batch_size:
            return total


__all__ = [
    "Backlog",
    "OutboxRecord",
    "backlog",
    "claim_batch",
    "mark_failed",
    "mark_sent",
    "purge_sent",
    "release",
]
