"""Crashes in the consumer's windows: before the effect commits, and after it
commits but before the message is acknowledged."""

from __future__ import annotations

import pytest
from ropo_platform.faults import (
    CONSUMER_AFTER_COMMIT_BEFORE_ACK,
    CONSUMER_BEFORE_EFFECT_COMMIT,
    CRASH_EXIT_CODE,
)
from thing_harness import ThingHarness, metric, scrape

pytestmark = pytest.mark.slow


async def test_consumer_crash_between_effect_commit_and_ack(harness: ThingHarness) -> None:
    ids = set(await harness.create(2, "d"))

    first = harness.worker(fault=CONSUMER_AFTER_COMMIT_BEFORE_ACK, ack_wait=1.0)
    assert harness.crashed(first) == CRASH_EXIT_CODE
    counts = await harness.effect_counts()
    assert sum(counts.values()) == 1  # the effect is committed, the ack never left

    second = harness.worker(ack_wait=1.0)
    await harness.wait_for_effects(ids)
    await harness.wait_drained()
    await harness.assert_exactly_once(ids)
    # The redelivery met the inbox row.
    assert metric(scrape(second.metrics_port), "ropo_consumer_duplicates_total") >= 1


async def test_consumer_crash_before_effect_commit(harness: ThingHarness) -> None:
    ids = set(await harness.create(2, "e"))

    first = harness.worker(fault=CONSUMER_BEFORE_EFFECT_COMMIT, ack_wait=1.0)
    assert harness.crashed(first) == CRASH_EXIT_CODE
    assert not await harness.effect_counts()  # the effect and its inbox row rolled back

    harness.worker(ack_wait=1.0)
    await harness.wait_for_effects(ids)
    await harness.wait_drained()
    await harness.assert_exactly_once(ids)
