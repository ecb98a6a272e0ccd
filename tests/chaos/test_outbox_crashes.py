"""Crashes in the producer's windows: after the business commit and before the
publish, and after the PubAck and before the outbox row is marked sent."""

from __future__ import annotations

import pytest
from ropo_platform.faults import (
    AFTER_COMMIT_BEFORE_PUBLISH,
    AFTER_PUBLISH_BEFORE_MARK_SENT,
    CRASH_EXIT_CODE,
)
from thing_harness import ThingHarness, metric, scrape

pytestmark = pytest.mark.slow


async def test_relay_crash_between_commit_and_publish(harness: ThingHarness) -> None:
    ids = set(await harness.create(3, "a"))

    first = harness.worker(fault=AFTER_COMMIT_BEFORE_PUBLISH)
    assert harness.crashed(first) == CRASH_EXIT_CODE
    # Claimed but never published: the rows wait for their lease to run out.
    assert await harness.unsent() == 3
    assert (await harness.stream_and_consumer())[0] == 0
    assert not await harness.effect_counts()

    harness.worker()
    await harness.wait_for_effects(ids)
    await harness.wait_drained()
    await harness.assert_exactly_once(ids)


async def test_command_crash_right_after_commit(harness: ThingHarness) -> None:
    # The command process dies right after its first commit: the second and
    # third commands never happen, the first one's event must still go out.
    command = harness.create_process(3, "b", fault=AFTER_COMMIT_BEFORE_PUBLISH)
    assert harness.crashed(command) == CRASH_EXIT_CODE
    ids = await harness.thing_ids()
    assert len(ids) == 1
    assert await harness.unsent() == 1

    harness.worker()
    await harness.wait_for_effects(ids)
    await harness.wait_drained()
    await harness.assert_exactly_once(ids)


@pytest.mark.parametrize(
    ("dup_window", "absorbed_by"),
    [(120.0, "jetstream"), (0.2, "inbox")],
    ids=["dedup-window", "after-dedup-window"],
)
async def test_relay_crash_between_puback_and_mark_sent(
    harness: ThingHarness, dup_window: float, absorbed_by: str
) -> None:
    ids = set(await harness.create(3, "c"))

    first = harness.worker(fault=AFTER_PUBLISH_BEFORE_MARK_SENT, dup_window=dup_window)
    assert harness.crashed(first) == CRASH_EXIT_CODE
    stored, _, _ = await harness.stream_and_consumer()
    assert stored == 3  # published and acknowledged by JetStream...
    assert await harness.unsent() == 3  # ...but not marked sent

    second = harness.worker(dup_window=dup_window)
    await harness.wait_for_effects(ids)
    await harness.wait_drained()
    await harness.assert_exactly_once(ids)

    stored, _, _ = await harness.stream_and_consumer()
    samples = scrape(second.metrics_port)
    if absorbed_by == "jetstream":
        # Same Nats-Msg-Id within the window: the server dropped the re-publish.
        assert stored == 3
        assert metric(samples, "ropo_outbox_publish_duplicates_total") == 3
    else:
        # Window over: the stream holds each event twice, the inbox absorbed them.
        assert stored == 6
        assert metric(samples, "ropo_consumer_duplicates_total") >= 3
