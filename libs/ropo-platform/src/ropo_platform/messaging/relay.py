"""The outbox relay: publishes committed outbox rows to JetStream, at least once.

Loop: claim a batch (lease) → publish each row with ``Nats-Msg-Id`` = event id
→ after the PubAcks mark the rows sent. A crash anywhere in between leaves rows
unsent; their lease runs out and they are published again, and JetStream's
duplicate window plus every consumer's inbox absorb the repeat.

While NATS is unreachable the relay does not claim anything; it keeps sampling
the backlog metrics and resumes as soon as the client has reconnected. A row
whose publish fails is retried with exponential backoff; later rows of the same
subject wait for it (per-aggregate order).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from nats.aio.client import Client
from nats.js.api import PubAck
from nats.js.errors import APIError
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from ropo_platform.db.database import Database
from ropo_platform.db.types import utcnow
from ropo_platform.faults import (
    AFTER_COMMIT_BEFORE_PUBLISH,
    AFTER_PUBLISH_BEFORE_MARK_SENT,
    fault_point,
)
from ropo_platform.logging import get_logger
from ropo_platform.messaging import metrics
from ropo_platform.messaging import outbox_store as store
from ropo_platform.messaging.backoff import Backoff
from ropo_platform.messaging.envelope import NATS_MSG_ID
from ropo_platform.messaging.outbox_store import OutboxRecord
from ropo_platform.messaging.wakeup import OUTBOX_COMMITTED
from ropo_platform.telemetry import extract_context, inject_headers, untraced

_log = get_logger(__name__)
_tracer = trace.get_tracer("ropo_platform.messaging.relay")

# Headers that belong to the stored (writer's) trace context; replaced by the
# publish span's context so that consumers become its children.
_TRACE_HEADERS = ("traceparent", "tracestate")


class OutboxRelay:
    """Publishes one service database's outbox. Run several for throughput/HA."""

    def __init__(
        self,
        db: Database,
        nc: Client,
        *,
        source: str,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=30),
        poll_interval: float = 0.5,
        publish_timeout: float = 5.0,
        retry_backoff: Backoff | None = None,
        retention: timedelta = timedelta(days=7),
        cleanup_interval: float = 3600.0,
        metrics_interval: float = 5.0,
    ) -> None:
        """``source`` labels metrics (``/ropo/invoice``).

        ``lease`` must exceed the time to publish one batch; ``poll_interval`` is how
        quickly rows committed by other processes are noticed; ``retention`` keeps
        sent rows for reconciliation and replays before they are purged.
        """
        self._db = db
        self._nc = nc
        self._js = nc.jetstream(timeout=publish_timeout)
        self._source = source
        self._batch_size = batch_size
        self._lease = lease
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        self._backoff = retry_backoff or Backoff(base=0.5, cap=60.0)
        self._retention = retention
        self._cleanup_interval = cleanup_interval
        self._metrics_interval = metrics_interval
        self._stopping = asyncio.Event()
        self._next_metrics = 0.0
        self._next_cleanup = time.monotonic() + cleanup_interval

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Publish until ``stop()``; survives database and broker outages."""
        wakeup = OUTBOX_COMMITTED.subscribe()
        _log.info("outbox relay started", source=self._source)
        try:
            while not self._stopping.is_set():
                busy = False
                # Cleared before claiming: a commit from now on wakes the next round.
                wakeup.clear()
                try:
                    with untraced():
                        await self._housekeeping()
                    if self._nc.is_connected:
                        busy = await self.publish_batch() >= self._batch_size
                except Exception as exc:
                    # E.g. the database is briefly unavailable: log, wait, retry.
                    _log.warning("outbox relay round failed", error=type(exc).__name__)
                if busy:
                    continue
                await self._sleep(wakeup)
        finally:
            OUTBOX_COMMITTED.unsubscribe(wakeup)
            _log.info("outbox relay stopped", source=self._source)

    def stop(self) -> None:
        """Ask ``run()`` to return after the current batch."""
        self._stopping.set()

    async def _sleep(self, wakeup: asyncio.Event) -> None:
        stop_wait = asyncio.ensure_future(self._stopping.wait())
        wake_wait = asyncio.ensure_future(wakeup.wait())
        try:
            await asyncio.wait(
                {stop_wait, wake_wait},
                timeout=self._poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in (stop_wait, wake_wait):
                waiter.cancel()

    # ------------------------------------------------------------------ one round

    async def publish_batch(self) -> int:
        """Claim one batch and publish it; returns the number of rows claimed."""
        with untraced():
            batch = await store.claim_batch(self._db, limit=self._batch_size, lease=self._lease)
        if not batch:
            return 0
        sent: list[int] = []
        failed_subjects: set[str] = set()
        released: list[int] = []
        try:
            for index, record in enumerate(batch):
                if record.subject in failed_subjects:
                    released.append(record.seq)  # keep per-subject order
                    continue
                fault_point(AFTER_COMMIT_BEFORE_PUBLISH)
                try:
                    await self._publish(record)
                except APIError as exc:
                    # The server rejected this message; others may still go through.
                    failed_subjects.add(record.subject)
                    await self._record_failure(record, exc)
                except Exception as exc:
                    # Timeout or lost connection: the rest of the batch would fail too.
                    await self._record_failure(record, exc)
                    released.extend(r.seq for r in batch[index + 1 :])
                    break
                else:
                    sent.append(record.seq)
        finally:
            if sent:
                fault_point(AFTER_PUBLISH_BEFORE_MARK_SENT)
            with untraced():
                await store.mark_sent(self._db, sent)
                await store.release(self._db, released)
        return len(batch)

    async def _publish(self, record: OutboxRecord) -> PubAck:
        attributes: dict[str, AttributeValue] = {
            "messaging.system": "nats",
            "messaging.operation.type": "send",
            "messaging.destination.name": record.event_type,
            "messaging.message.id": record.id,
            "messaging.message.body.size": len(record.payload),
        }
        with _tracer.start_as_current_span(
            f"publish {record.event_type}",
            context=extract_context(record.headers),
            kind=SpanKind.PRODUCER,
            attributes=attributes,
        ) as span:
            headers = {k: v for k, v in record.headers.items() if k not in _TRACE_HEADERS}
            headers = inject_headers(headers)
            headers[NATS_MSG_ID] = record.id
            try:
                ack = await self._js.publish(
                    record.event_type,
                    record.payload,
                    timeout=self._publish_timeout,
                    headers=headers,
                )
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            span.set_attribute("messaging.nats.stream", ack.stream)
            span.set_attribute("messaging.nats.stream_sequence", ack.seq)
            if ack.duplicate:
                span.set_attribute("messaging.nats.duplicate", True)
                metrics.OUTBOX_DUPLICATES.labels(self._source, record.event_type).inc()
        metrics.OUTBOX_PUBLISHED.labels(self._source, record.event_type).inc()
        return ack

    async def _record_failure(self, record: OutboxRecord, exc: Exception) -> None:
        metrics.OUTBOX_PUBLISH_FAILURES.labels(self._source, record.event_type).inc()
        delay = self._backoff.delay(record.attempts)
        _log.warning(
            "outbox publish failed",
            event_type=record.event_type,
            event_id=record.id,
            attempts=record.attempts,
            retry_in_seconds=round(delay, 2),
            error=type(exc).__name__,
        )
        error = f"{type(exc).__name__}: {exc}"
        with untraced():
            await store.mark_failed(
                self._db, record.seq, error, utcnow() + timedelta(seconds=delay)
            )

    # ------------------------------------------------------------------ upkeep

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now >= self._next_metrics:
            self._next_metrics = now + self._metrics_interval
            await self.refresh_metrics()
        if now >= self._next_cleanup:
            self._next_cleanup = now + self._cleanup_interval
            purged = await store.purge_sent(self._db, older_than=self._retention)
            if purged:
                metrics.OUTBOX_PURGED.labels(self._source).inc(purged)
                _log.info("purged sent outbox rows", count=purged)

    async def refresh_metrics(self) -> store.Backlog:
        """Sample the backlog gauges now (also done every ``metrics_interval``)."""
        backlog = await store.backlog(self._db)
        metrics.OUTBOX_BACKLOG.labels(self._source).set(backlog.unsent)
        metrics.OUTBOX_OLDEST_AGE.labels(self._source).set(backlog.oldest_age())
        return backlog


__all__ = ["OutboxRelay"]
