"""The inbox (idempotent consumer) and the dead-letter table."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from ropo_platform.db import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.messaging.envelope import Envelope
from ropo_platform.messaging.inbox import (
    purge_inbox,
    record_dead_letter,
    record_processed,
    was_processed,
)

inbox = DEFAULT_TABLES.inbox


def envelope(event_id: str = "e1", delivered: int = 1) -> Envelope:
    return Envelope(
        id=event_id,
        type="ropo.invoice.v1.invoice_registered",
        source="/ropo/invoice",
        subject="invoices/inv_1",
        time=None,
        nats_subject="ropo.invoice.v1.invoice_registered",
        num_delivered=delivered,
        stream_seq=7,
        headers={"ce-id": event_id},
    )


async def test_second_delivery_is_recognised(messaging_database: Database) -> None:
    db = messaging_database
    async with db.transaction() as session:
        assert await record_processed(session, "authorization-invoice-events", envelope())
    async with db.transaction() as session:
        assert not await record_processed(session, "authorization-invoice-events", envelope())
        assert await was_processed(session, "authorization-invoice-events", "e1")
        # Another consumer of the same event keeps its own record.
        assert await record_processed(session, "payment-invoice-events", envelope())


async def test_rolled_back_effect_rolls_back_the_inbox_row(messaging_database: Database) -> None:
    db = messaging_database
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            assert await record_processed(session, "c", envelope())
            raise RuntimeError("handler failed")
    async with db.transaction() as session:
        assert await record_processed(session, "c", envelope())  # processed afresh


async def test_concurrent_duplicates_apply_once(messaging_database: Database) -> None:
    # Two deliveries of the same event racing (e.g. a redelivery after ack_wait
    # while the first is still running): exactly one transaction wins.
    db = messaging_database
    results: list[bool] = []

    async def deliver() -> None:
        async with db.transaction() as session:
            results.append(await record_processed(session, "c", envelope()))
            await asyncio.sleep(0.05)

    await asyncio.gather(deliver(), deliver())
    assert sorted(results) == [False, True]


async def test_dead_letters_are_stored_once(messaging_database: Database) -> None:
    db = messaging_database
    async with db.transaction() as session:
        stored = await record_dead_letter(
            session, consumer="c", envelope=envelope(delivered=5), payload=b"\x01", error="E: x"
        )
        assert stored
    async with db.transaction() as session:
        again = await record_dead_letter(
            session, consumer="c", envelope=envelope(delivered=6), payload=b"\x01", error="E: y"
        )
        assert not again
    async with db.session() as session:
        [row] = await session.execute(sa.select(DEFAULT_TABLES.dead_letter))
    assert (row.event_id, row.num_delivered, row.stream_seq, row.error) == ("e1", 5, 7, "E: x")
    assert row.headers == {"ce-id": "e1"}
    assert row.payload == b"\x01"


async def test_old_inbox_rows_are_purged(messaging_database: Database) -> None:
    db = messaging_database
    async with db.transaction() as session:
        await record_processed(session, "c", envelope("old"))
        await record_processed(session, "c", envelope("new"))
    async with db.transaction() as session:
        old = (await session.execute(sa.select(inbox.c.processed_at))).scalars().first()
        assert old is not None
        await session.execute(
            sa.update(inbox)
            .where(inbox.c.event_id == "old")
            .values(processed_at=old - timedelta(days=40))
        )
    assert await purge_inbox(db, older_than=timedelta(days=30)) == 1
    async with db.session() as session:
        left = set((await session.execute(sa.select(inbox.c.event_id))).scalars())
    assert left == {"new"}
