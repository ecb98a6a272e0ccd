"""Idempotent JetStream provisioning: one stream per producer, one durable pull
consumer per (consuming service, producer). Run by the worker at start-up; safe
to run from several processes at once and on every start.
"""

from __future__ import annotations

from collections.abc import Sequence

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    ConsumerInfo,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamInfo,
)
from nats.js.errors import NotFoundError

DAY = 86_400.0


def _same_seconds(a: float | None, b: float | None) -> bool:
    # Durations travel as integer nanoseconds; compare at millisecond precision.
    return round((a or 0.0) * 1000) == round((b or 0.0) * 1000)


async def ensure_stream(
    js: JetStreamContext,
    *,
    name: str,
    subjects: Sequence[str],
    duplicate_window: float = 300.0,
    max_age: float = 30 * DAY,
    storage: StorageType = StorageType.FILE,
    replicas: int = 1,
    description: str | None = None,
) -> StreamInfo:
    """Create the stream or bring its settings to the given values.

    ``duplicate_window`` (seconds) must cover the relay's retry horizon, or a
    re-published event is stored twice (the inbox still absorbs it).
    ``max_age`` bounds how long consumers can fall behind. Production uses
    ``replicas=3`` (the cluster's ``sync_interval: always`` is set on the servers).
    """
    desired = StreamConfig(
        name=name,
        description=description,
        subjects=list(subjects),
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        storage=storage,
        num_replicas=replicas,
        max_age=max_age,
        duplicate_window=duplicate_window,
    )
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        return await js.add_stream(desired)

    current = info.config
    if current.storage != storage:
        raise RuntimeError(
            f"stream {name} has storage {current.storage}, wanted {storage}: "
            "storage cannot change in place (migrate the stream)"
        )
    unchanged = (
        sorted(current.subjects or []) == sorted(subjects)
        and current.num_replicas == replicas
        and _same_seconds(current.max_age, max_age)
        and _same_seconds(current.duplicate_window, duplicate_window)
        and (description is None or current.description == description)
    )
    if unchanged:
        return info
    # Keep every other setting someone may have tuned by hand.
    updated = current.evolve(
        subjects=list(subjects),
        num_replicas=replicas,
        max_age=max_age,
        duplicate_window=duplicate_window,
        description=description if description is not None else current.description,
    )
    return await js.update_stream(updated)


async def ensure_consumer(
    js: JetStreamContext,
    *,
    stream: str,
    durable: str,
    filter_subjects: Sequence[str],
    ack_wait: float = 30.0,
    max_deliver: int = 10,
    backoff: Sequence[float] | None = None,
    max_ack_pending: int = 1000,
    description: str | None = None,
) -> ConsumerInfo:
    """Create or update a durable pull consumer (``<consumer>-<producer>-events``).

    ``ack_wait`` must exceed the handler's p99, or a slow event is redelivered
    while it is still being processed (the inbox absorbs it, at a cost).
    ``backoff`` (seconds) replaces ``ack_wait`` for redeliveries after a missing
    ack, so its first value must exceed the handler's p99 too; the consumer loop's
    own ``nak`` delays are configured on ``EventConsumer``.
    """
    if not filter_subjects:
        raise ValueError("a consumer needs at least one filter subject")
    if backoff is not None and len(backoff) > max_deliver:
        raise ValueError("backoff may not have more entries than max_deliver")
    config = ConsumerConfig(
        name=durable,
        durable_name=durable,
        description=description,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=max_deliver,
        backoff=list(backoff) if backoff else None,
        max_ack_pending=max_ack_pending,
    )
    subjects = list(filter_subjects)
    if len(subjects) == 1:
        config.filter_subject = subjects[0]
    else:
        config.filter_subjects = subjects
    # The server's CONSUMER.CREATE creates, accepts an identical config, or updates
    # the mutable settings of an existing durable.
    return await js.add_consumer(stream, config=config)


__all__ = ["DAY", "ensure_consumer", "ensure_stream"]
