"""Idempotent JetStream provisioning against a real nats-server."""

from __future__ import annotations

import pytest
from nats.aio.client import Client
from nats.js.api import StorageType
from ropo_platform.messaging.streams import ensure_consumer, ensure_stream


async def test_ensure_stream_creates_then_is_idempotent_then_updates(nats_client: Client) -> None:
    js = nats_client.jetstream()
    created = await ensure_stream(
        js, name="ROPO_INVOICE", subjects=["ropo.invoice.>"], duplicate_window=120, max_age=3600
    )
    assert created.config.subjects == ["ropo.invoice.>"]
    assert created.config.storage == StorageType.FILE
    assert created.config.duplicate_window == pytest.approx(120)

    again = await ensure_stream(
        js, name="ROPO_INVOICE", subjects=["ropo.invoice.>"], duplicate_window=120, max_age=3600
    )
    assert again.config == created.config

    updated = await ensure_stream(
        js, name="ROPO_INVOICE", subjects=["ropo.invoice.>"], duplicate_window=300, max_age=7200
    )
    assert updated.config.duplicate_window == pytest.approx(300)
    assert updated.config.max_age == pytest.approx(7200)


async def test_storage_cannot_change_in_place(nats_client: Client) -> None:
    js = nats_client.jetstream()
    await ensure_stream(js, name="ROPO_CHAT", subjects=["ropo.chat.>"])
    with pytest.raises(RuntimeError, match="storage"):
        await ensure_stream(
            js, name="ROPO_CHAT", subjects=["ropo.chat.>"], storage=StorageType.MEMORY
        )


async def test_ensure_consumer_creates_and_updates(nats_client: Client) -> None:
    js = nats_client.jetstream()
    await ensure_stream(js, name="ROPO_INVOICE", subjects=["ropo.invoice.>"])
    subjects = ["ropo.invoice.v1.invoice_registered", "ropo.invoice.v1.invoice_paid"]
    info = await ensure_consumer(
        js,
        stream="ROPO_INVOICE",
        durable="authorization-invoice-events",
        filter_subjects=subjects,
        ack_wait=10,
        max_deliver=5,
    )
    assert info.config.durable_name == "authorization-invoice-events"
    assert info.config.filter_subjects == subjects
    assert info.config.max_deliver == 5

    info = await ensure_consumer(
        js,
        stream="ROPO_INVOICE",
        durable="authorization-invoice-events",
        filter_subjects=subjects[:1],
        ack_wait=20,
        max_deliver=7,
        backoff=[20, 60],
    )
    assert info.config.ack_wait == pytest.approx(20)
    assert info.config.max_deliver == 7
    assert info.config.backoff == [20, 60]
    assert info.config.filter_subject == subjects[0]


async def test_consumer_settings_are_validated(nats_client: Client) -> None:
    js = nats_client.jetstream()
    with pytest.raises(ValueError, match="filter"):
        await ensure_consumer(js, stream="S", durable="d", filter_subjects=[])
    with pytest.raises(ValueError, match="backoff"):
        await ensure_consumer(
            js, stream="S", durable="d", filter_subjects=["a"], max_deliver=1, backoff=[1, 2]
        )
