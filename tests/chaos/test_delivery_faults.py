"""Broker outage, poison messages, and concurrent relays."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from ropo_platform.testing import eventually
from thing_harness import ThingHarness, metric, scrape
from thingapp import effects

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "kill-9"])
async def test_commands_succeed_while_nats_is_down_and_backlog_drains(
    harness: ThingHarness, kill: bool
) -> None:
    worker = harness.worker(retry_cap=0.3)
    before = set(await harness.create(2, "f"))
    await harness.wait_for_effects(before)

    harness.nats.stop(kill=kill)
    during = set(await harness.create(5, "g"))  # no command needs the broker
    port = worker.metrics_port
    samples = await eventually(
        lambda: asyncio.to_thread(scrape, port),
        lambda s: (
            metric(s, "ropo_outbox_backlog_events") == 5
            and metric(s, "ropo_outbox_oldest_unpublished_age_seconds") > 0
        ),
        message="backlog gauges show the stranded events",
    )
    assert metric(samples, "ropo_outbox_oldest_unpublished_age_seconds") > 0
    assert worker.returncode is None  # the worker rides out the outage

    harness.nats.start()
    await harness.wait_for_effects(before | during)
    await harness.wait_drained()
    await harness.assert_exactly_once(before | during)
    await eventually(
        lambda: asyncio.to_thread(scrape, port),
        lambda s: (
            metric(s, "ropo_outbox_backlog_events") == 0
            and metric(s, "ropo_outbox_oldest_unpublished_age_seconds") == 0
        ),
        message="backlog gauges back to zero",
    )


async def test_poison_message_is_dead_lettered_without_blocking_the_rest(
    harness: ThingHarness,
) -> None:
    poison = set(await harness.create(1, "poison"))
    healthy = set(await harness.create(3, "h"))

    worker = harness.worker(max_deliver=3, nak_backoff=[0.3], ack_wait=2.0)
    letters = await eventually(
        harness.dead_letters, lambda rows: len(rows) == 1, message="one dead letter"
    )
    await harness.wait_drained()

    letter = letters[0]
    assert letter["consumer"] == "effects-thing-events"
    assert letter["event_type"] == "ropo.thing.v1.thing_created"
    assert letter["subject"] == f"things/{next(iter(poison))}"
    assert letter["num_delivered"] == 3
    assert "RuntimeError" in letter["error"]
    assert letter["payload"]  # kept for inspection and replay

    counts = await harness.effect_counts()
    assert set(counts) == healthy and set(counts.values()) == {1}
    # The healthy events behind the poison one were not held up by its retries.
    async with harness.db.session() as session:
        last_effect = (await session.execute(sa.select(sa.func.max(effects.c.applied_at)))).scalar()
    assert last_effect is not None and last_effect < letter["created_at"]
    samples = scrape(worker.metrics_port)
    assert metric(samples, "ropo_consumer_dead_lettered_total") == 1
    assert metric(samples, "ropo_consumer_failed_total") == 2


@pytest.mark.postgres
async def test_two_relays_on_postgresql_lose_nothing(
    harness: ThingHarness, database_backend: str
) -> None:
    if database_backend != "postgresql":
        pytest.skip("SKIP LOCKED claiming by concurrent relays is a PostgreSQL feature")
    relays = [
        harness.worker(consumer=False, batch_size=10, poll=0.01),
        harness.worker(consumer=False, batch_size=10, poll=0.01),
    ]
    await harness.ready(*relays, harness.worker(relay=False))
    ids: set[str] = set()
    # Commands keep committing while both relays claim.
    for batch in range(4):
        created = await asyncio.gather(*(harness.create(25, f"p{batch}-{w}") for w in range(2)))
        ids |= {thing for chunk in created for thing in chunk}
        await asyncio.sleep(0.05)
    await harness.wait_for_effects(ids, within=30)
    await harness.wait_drained(within=30)
    await harness.assert_exactly_once(ids)

    stored, _, _ = await harness.stream_and_consumer()
    assert stored == len(ids)  # every event published, re-publishes de-duplicated
    published = [metric(scrape(r.metrics_port), "ropo_outbox_published_total") for r in relays]
    assert sum(published) >= len(ids)
    assert all(count > 0 for count in published), f"both relays should publish: {published}"
