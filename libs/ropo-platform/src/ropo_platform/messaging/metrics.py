"""Prometheus metrics of the outbox relay and the event consumers.

Labels are bounded: ``source`` (``/ropo/invoice``), ``event_type`` (a subject from
``events.proto``), ``consumer`` (durable name). Never an event id.
Alert on ``ropo_outbox_oldest_unpublished_age_seconds`` (SLO ≤ 5 s steady state),
growth of ``ropo_consumer_pending_messages`` and any ``ropo_consumer_dead_lettered_total``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG = Gauge(
    "ropo_outbox_backlog_events",
    "Outbox rows not yet published (sampled by the relay).",
    ["source"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "ropo_outbox_oldest_unpublished_age_seconds",
    "Age of the oldest unpublished outbox row, 0 when the backlog is empty.",
    ["source"],
)
OUTBOX_PUBLISHED = Counter(
    "ropo_outbox_published_total",
    "Events published and acknowledged by JetStream (duplicates included).",
    ["source", "event_type"],
)
OUTBOX_DUPLICATES = Counter(
    "ropo_outbox_publish_duplicates_total",
    "Publishes that JetStream recognised as duplicates (a re-publish after a crash).",
    ["source", "event_type"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "ropo_outbox_publish_failures_total",
    "Failed publish attempts (the row is retried with backoff).",
    ["source", "event_type"],
)
OUTBOX_PURGED = Counter(
    "ropo_outbox_purged_total",
    "Sent outbox rows deleted by retention.",
    ["source"],
)

CONSUMER_PENDING = Gauge(
    "ropo_consumer_pending_messages",
    "Messages in the stream not yet delivered to the consumer (consumer lag).",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "ropo_consumer_ack_pending_messages",
    "Messages delivered but not yet acknowledged.",
    ["consumer"],
)
CONSUMER_PROCESSED = Counter(
    "ropo_consumer_processed_total",
    "Events whose effect was committed.",
    ["consumer", "event_type"],
)
CONSUMER_DUPLICATES = Counter(
    "ropo_consumer_duplicates_total",
    "Redelivered events the inbox recognised as already processed.",
    ["consumer", "event_type"],
)
CONSUMER_FAILED = Counter(
    "ropo_consumer_failed_total",
    "Handler failures that were retried (nak with backoff).",
    ["consumer", "event_type"],
)
CONSUMER_DEAD_LETTERED = Counter(
    "ropo_consumer_dead_lettered_total",
    "Events written to the dead_letter table and terminated.",
    ["consumer", "event_type"],
)

__all__ = [
    "CONSUMER_ACK_PENDING",
    "CONSUMER_DEAD_LETTERED",
    "CONSUMER_DUPLICATES",
    "CONSUMER_FAILED",
    "CONSUMER_PENDING",
    "CONSUMER_PROCESSED",
    "OUTBOX_BACKLOG",
    "OUTBOX_DUPLICATES",
    "OUTBOX_OLDEST_AGE",
    "OUTBOX_PUBLISHED",
    "OUTBOX_PUBLISH_FAILURES",
    "OUTBOX_PURGED",
]
