"""The consumer side's tables: ``inbox`` (idempotency) and ``dead_letter``.

``record_processed`` runs in the same transaction as the handler's effect: the
``(consumer, event id)`` primary key turns a redelivery into a no-op, and a
rolled-back effect rolls the inbox row back with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_platform.db.database import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.db.types import utcnow
from ropo_platform.messaging.envelope import Envelope

_inbox = DEFAULT_TABLES.inbox
_dead_letter = DEFAULT_TABLES.dead_letter
_MAX_ERROR_LENGTH = 4000


def _insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


async def record_processed(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """Insert ``(consumer, envelope.id)``; False when it was already there (a duplicate)."""
    statement = _insert_ignoring_duplicates(session, _inbox).values(
        consumer=consumer,
        event_id=envelope.id,
        event_type=envelope.type,
        subject=envelope.subject,
        processed_at=utcnow(),
    )
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def was_processed(session: AsyncSession, consumer: str, event_id: str) -> bool:
    row = await session.execute(
        select(_inbox.c.event_id).where(
            _inbox.c.consumer == consumer, _inbox.c.event_id == event_id
        )
    )
    return row.first() is not None


async def record_dead_letter(
    session: AsyncSession,
    *,
    consumer: str,
    envelope: Envelope,
    payload: bytes,
    error: str,
) -> bool:
    """Store an event the consumer gave up on; False if it is stored and not yet replayed.

    A replayed row that fails again is reopened (new error, ``replayed_at`` cleared),
    so the operator sees it as waiting once more.
    """
    headers: Mapping[str, str] = envelope.headers
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(_dead_letter).values(
        consumer=consumer,
        event_id=envelope.id,
        event_type=envelope.type,
        subject=envelope.subject,
        payload=payload,
        headers=dict(headers),
        error=error[:_MAX_ERROR_LENGTH],
        num_delivered=envelope.num_delivered,
        stream_seq=envelope.stream_seq,
        created_at=utcnow(),
    )
    reopened = {
        name: insert.excluded[name]
        for name in ("error", "num_delivered", "stream_seq", "created_at")
    }
    statement = insert.on_conflict_do_update(
        index_elements=[_dead_letter.c.consumer, _dead_letter.c.event_id],
        set_={**reopened, "replayed_at": None},
        where=_dead_letter.c.replayed_at.is_not(None),
    )
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def purge_inbox(db: Database, *, older_than: timedelta) -> int:
    """Forget processed ids older than ``older_than``.

    Keep them longer than any redelivery or replay can take (stream ``max_age``
    plus margin): after that a redelivered event would be applied again.
    """
    async with db.transaction() as session:
        result = await session.execute(
            delete(_inbox).where(_inbox.c.processed_at < utcnow() - older_than)
        )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["purge_inbox", "record_dead_letter", "record_processed", "was_processed"]
