"""The event consumer loop: durable pull consumer + inbox, ack after commit.

::

    consumer = EventConsumer(db, nc, ConsumerSettings(
        stream="ROPO_INVOICE", durable="authorization-invoice-events"))
    consumer.on("ropo.invoice.v1.invoice_registered", InvoiceRegistered, on_invoice_registered)
    await consumer.run()          # until consumer.stop()

    async def on_invoice_registered(session, event, envelope) -> None:
        ...  # apply the effect with ``session``; do not commit

For every message, in one transaction: insert ``(consumer, ce-id)`` into the
inbox (already there → a duplicate: ack and skip), run the handler, commit;
only then ``ack_sync``. A crash before the commit redelivers and re-runs the
handler on a clean slate; a crash after it redelivers into the inbox check.

Failures: ``PermanentError`` (or an undecodable message) → ``dead_letter`` row +
``term``. Any other exception → ``nak`` with the backoff for this delivery, and
on the ``max_deliver``-th delivery → ``dead_letter`` + ``term``. A failing
message never holds up the ones behind it. If the last delivery ends without
any outcome (the process crashed, or ``ack_wait`` ran out), the server's
MAX_DELIVERIES advisory is turned into a dead-letter row as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

import nats.errors
from google.protobuf.message import DecodeError, Message
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_platform.db.database import Database
from ropo_platform.faults import (
    CONSUMER_AFTER_COMMIT_BEFORE_ACK,
    CONSUMER_BEFORE_EFFECT_COMMIT,
    fault_point,
)
from ropo_platform.logging import get_logger
from ropo_platform.messaging import metrics
from ropo_platform.messaging.backoff import scheduled_delay
from ropo_platform.messaging.envelope import Envelope, InvalidEnvelope
from ropo_platform.messaging.errors import PermanentError
from ropo_platform.messaging.inbox import (
    purge_inbox,
    record_dead_letter,
    record_processed,
    was_processed,
)
from ropo_platform.messaging.streams import ensure_consumer
from ropo_platform.redaction import redact
from ropo_platform.telemetry import extract_context

_log = get_logger(__name__)
_tracer = trace.get_tracer("ropo_platform.messaging.consumer")

M = TypeVar("M", bound=Message)
Handler = Callable[[AsyncSession, M, Envelope], Awaitable[None]]


class Outcome(enum.Enum):
    """What happened to one delivery."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    """Where to consume from and how patiently.

    - ``ack_wait``: redelivery timer when no ack arrives; must exceed the handler's p99.
    - ``max_deliver``: deliveries before an event is dead-lettered.
    - ``nak_backoff``: delay before delivery n+1 after the n-th failed (last value repeats).
    - ``fetch_timeout``: longest wait for a batch; also bounds how long ``stop()`` takes.
    - ``provision``: create/update the durable consumer at start (filter = registered types).
    """

    stream: str
    durable: str
    ack_wait: float = 30.0
    max_deliver: int = 10
    nak_backoff: Sequence[float] = (1.0, 5.0, 30.0, 120.0, 600.0)
    batch_size: int = 32
    fetch_timeout: float = 1.0
    ack_timeout: float = 5.0
    lag_interval: float = 5.0
    # Longer than the stream's max_age (30 d by default): no redelivery can outlive it.
    inbox_retention: timedelta = timedelta(days=35)
    cleanup_interval: float = 3600.0
    provision: bool = True
    provision_retry: float = 1.0
    extra_filter_subjects: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class _Registration(Generic[M]):
    message_type: type[M]
    handler: Handler[M]


class EventConsumer:
    """Runs handlers for the events of one durable consumer in one service database."""

    def __init__(self, db: Database, nc: Client, settings: ConsumerSettings) -> None:
        self._db = db
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()
        self._settings = settings
        self._handlers: dict[str, _Registration[Any]] = {}
        self._stopping = asyncio.Event()
        self._max_deliver = settings.max_deliver
        self._next_lag = 0.0
        self._next_cleanup = time.monotonic() + settings.cleanup_interval

    @property
    def name(self) -> str:
        return self._settings.durable

    @property
    def event_types(self) -> list[str]:
        """Subjects with a registered handler (the consumer's filter)."""
        return sorted(self._handlers)

    def on(self, event_type: str, message_type: type[M], handler: Handler[M]) -> None:
        """Handle ``event_type`` (subject = ce-type) by decoding to ``message_type``."""
        if event_type in self._handlers:
            raise ValueError(f"a handler for {event_type} is already registered")
        self._handlers[event_type] = _Registration(message_type, handler)

    def stop(self) -> None:
        """Ask ``run()`` to return after the message in hand (the rest are nak'ed)."""
        self._stopping.set()

    # ------------------------------------------------------------------ loop

    async def run(self) -> None:
        if not self._handlers:
            raise RuntimeError(f"consumer {self.name} has no handlers")
        if not await self._provision():
            return
        psub = await self._js.pull_subscribe_bind(
            durable=self._settings.durable, stream=self._settings.stream
        )
        advisories = await self._nc.subscribe(
            f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self._settings.stream}.{self.name}",
            cb=self._on_max_deliveries,
        )
        _log.info("event consumer started", consumer=self.name, event_types=self.event_types)
        try:
            while not self._stopping.is_set():
                await self._housekeeping(psub)
                try:
                    messages = await psub.fetch(
                        self._settings.batch_size, timeout=self._settings.fetch_timeout
                    )
                except nats.errors.TimeoutError:
                    continue
                except Exception as exc:
                    # Disconnected or the server is restarting: the client reconnects.
                    _log.debug("fetch failed", consumer=self.name, error=type(exc).__name__)
                    await self._pause(self._settings.fetch_timeout)
                    continue
                for index, msg in enumerate(messages):
                    if self._stopping.is_set():
                        await self._give_back(messages[index:])
                        break
                    try:
                        await self.process(msg)
                    except Exception:
                        # A bug in our own plumbing must not kill the loop; the
                        # message comes back after ack_wait.
                        _log.exception("event processing crashed", consumer=self.name)
        finally:
            try:
                await advisories.unsubscribe()
                await psub.unsubscribe()
            except Exception as exc:
                _log.debug("unsubscribe failed", consumer=self.name, error=type(exc).__name__)
            _log.info("event consumer stopped", consumer=self.name)

    async def _provision(self) -> bool:
        """Create/update the durable consumer, retrying until the stream exists."""
        settings = self._settings
        while not self._stopping.is_set():
            try:
                if settings.provision:
                    info = await ensure_consumer(
                        self._js,
                        stream=settings.stream,
                        durable=settings.durable,
                        filter_subjects=[*self.event_types, *settings.extra_filter_subjects],
                        ack_wait=settings.ack_wait,
                        max_deliver=settings.max_deliver,
                    )
                else:
                    info = await self._js.consumer_info(settings.stream, settings.durable)
            except Exception as exc:
                _log.warning(
                    "consumer not ready, retrying",
                    consumer=self.name,
                    stream=settings.stream,
                    error=type(exc).__name__,
                )
                await self._pause(settings.provision_retry)
                continue
            self._max_deliver = info.config.max_deliver or -1
            return True
        return False

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _give_back(self, messages: Sequence[Msg]) -> None:
        for msg in messages:
            try:
                await msg.nak()
            except Exception as exc:
                _log.debug("nak failed", consumer=self.name, error=type(exc).__name__)

    async def _housekeeping(self, psub: JetStreamContext.PullSubscription) -> None:
        now = time.monotonic()
        if now >= self._next_lag:
            self._next_lag = now + self._settings.lag_interval
            try:
                info = await psub.consumer_info()
            except Exception as exc:
                _log.debug("consumer info failed", consumer=self.name, error=type(exc).__name__)
            else:
                metrics.CONSUMER_PENDING.labels(self.name).set(info.num_pending or 0)
                metrics.CONSUMER_ACK_PENDING.labels(self.name).set(info.num_ack_pending or 0)
        if now >= self._next_cleanup:
            self._next_cleanup = now + self._settings.cleanup_interval
            try:
                await purge_inbox(self._db, older_than=self._settings.inbox_retention)
            except Exception as exc:
                _log.warning("inbox purge failed", consumer=self.name, error=type(exc).__name__)

    # ------------------------------------------------------------------ one message

    def _read_envelope(
        self, headers: dict[str, str], nats_subject: str, stream_seq: int, num_delivered: int
    ) -> tuple[Envelope, str | None]:
        """The envelope, or a placeholder keyed by stream position plus the reason."""
        try:
            envelope = Envelope.from_headers(
                headers,
                nats_subject=nats_subject,
                num_delivered=num_delivered,
                stream_seq=stream_seq,
            )
        except InvalidEnvelope as exc:
            # Without an id the inbox cannot work; park it under its stream position.
            placeholder = Envelope(
                id=f"{self._settings.stream}:{stream_seq}",
                type=nats_subject,
                source="",
                subject=None,
                time=None,
                nats_subject=nats_subject,
                num_delivered=num_delivered,
                stream_seq=stream_seq,
                headers=headers,
            )
            return placeholder, f"InvalidEnvelope: {exc}"
        return envelope, None

    async def process(self, msg: Msg) -> Outcome:
        """Handle one delivery end to end (decode, inbox, handler, commit, ack)."""
        envelope, invalid = self._read_envelope(
            dict(msg.headers or {}),
            msg.subject,
            msg.metadata.sequence.stream,
            msg.metadata.num_delivered,
        )
        if invalid is not None:
            return await self._dead_letter(msg, envelope, invalid)

        attributes: dict[str, AttributeValue] = {
            "messaging.system": "nats",
            "messaging.operation.type": "process",
            "messaging.destination.name": msg.subject,
            "messaging.consumer.group.name": self.name,
            "messaging.message.id": envelope.id,
            "ropo.messaging.num_delivered": envelope.num_delivered,
        }
        # A child of the publisher's span: the consumer joins the originating trace.
        with _tracer.start_as_current_span(
            f"process {envelope.type}",
            context=extract_context(envelope.headers),
            kind=SpanKind.CONSUMER,
            attributes=attributes,
        ) as span:
            outcome = await self._process(msg, envelope, span)
            span.set_attribute("ropo.messaging.outcome", outcome.value)
            return outcome

    async def _process(self, msg: Msg, envelope: Envelope, span: Span) -> Outcome:
        registration = self._handlers.get(envelope.type)
        if registration is None:
            return await self._dead_letter(
                msg, envelope, f"PermanentError: no handler for {envelope.type}"
            )
        try:
            event = registration.message_type.FromString(msg.data)
        except DecodeError as exc:
            return await self._dead_letter(msg, envelope, f"DecodeError: {exc}")

        try:
            async with self._db.transaction() as session:
                first_time = await record_processed(session, self.name, envelope)
                if first_time:
                    await registration.handler(session, event, envelope)
                    fault_point(CONSUMER_BEFORE_EFFECT_COMMIT)
        except PermanentError as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, "PermanentError"))
            return await self._dead_letter(msg, envelope, f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            return await self._failed(msg, envelope, exc)

        if first_time:
            fault_point(CONSUMER_AFTER_COMMIT_BEFORE_ACK)
            metrics.CONSUMER_PROCESSED.labels(self.name, envelope.type).inc()
        else:
            metrics.CONSUMER_DUPLICATES.labels(self.name, envelope.type).inc()
            _log.info(
                "duplicate event skipped",
                consumer=self.name,
                event_type=envelope.type,
                event_id=envelope.id,
                num_delivered=envelope.num_delivered,
            )
        await self._ack(msg, envelope)
        return Outcome.PROCESSED if first_time else Outcome.DUPLICATE

    async def _ack(self, msg: Msg, envelope: Envelope) -> None:
        try:
            # Double ack: once the server confirms, the message is not redelivered.
            await msg.ack_sync(timeout=self._settings.ack_timeout)
        except Exception as exc:
            # The effect is committed; a redelivery will meet the inbox row.
            _log.warning(
                "ack failed, the event will be redelivered",
                consumer=self.name,
                event_id=envelope.id,
                error=type(exc).__name__,
            )

    async def _failed(self, msg: Msg, envelope: Envelope, exc: Exception) -> Outcome:
        error = f"{type(exc).__name__}: {exc}"
        if 0 < self._max_deliver <= envelope.num_delivered:
            return await self._dead_letter(msg, envelope, error)
        metrics.CONSUMER_FAILED.labels(self.name, envelope.type).inc()
        delay = scheduled_delay(self._settings.nak_backoff, envelope.num_delivered)
        _log.warning(
            "event handler failed, will retry",
            consumer=self.name,
            event_type=envelope.type,
            event_id=envelope.id,
            num_delivered=envelope.num_delivered,
            retry_in_seconds=delay,
            error=type(exc).__name__,
        )
        try:
            await msg.nak(delay=delay)
        except Exception as nak_exc:
            _log.debug("nak failed", consumer=self.name, error=type(nak_exc).__name__)
        return Outcome.RETRY

    async def _on_max_deliveries(self, advisory: Msg) -> None:
        """Dead-letter an event whose last delivery ended without ack, nak or term."""
        try:
            payload = json.loads(advisory.data)
            stream_seq, deliveries = int(payload["stream_seq"]), int(payload["deliveries"])
            stored = await self._js.get_msg(self._settings.stream, stream_seq)
        except Exception as exc:
            _log.warning("max-deliveries advisory unusable", consumer=self.name, error=repr(exc))
            return
        envelope, _ = self._read_envelope(
            dict(stored.headers or {}), stored.subject or "", stream_seq, deliveries
        )
        try:
            async with self._db.transaction() as session:
                if await was_processed(session, self.name, envelope.id):
                    return  # the effect committed; only the ack was lost
                written = await record_dead_letter(
                    session,
                    consumer=self.name,
                    envelope=envelope,
                    payload=stored.data or b"",
                    error="MaxDeliveriesExceeded: the last delivery ended without an outcome",
                )
        except Exception as exc:
            _log.error("dead-letter write failed", consumer=self.name, error=type(exc).__name__)
            return
        if written:
            metrics.CONSUMER_DEAD_LETTERED.labels(self.name, envelope.type).inc()
            _log.error(
                "event dead-lettered after max deliveries",
                consumer=self.name,
                event_type=envelope.type,
                event_id=envelope.id,
                num_delivered=deliveries,
            )

    async def _dead_letter(self, msg: Msg, envelope: Envelope, error: str) -> Outcome:
        error = redact(error)
        try:
            async with self._db.transaction() as session:
                await record_dead_letter(
                    session, consumer=self.name, envelope=envelope, payload=msg.data, error=error
                )
        except Exception as exc:
            # Cannot park it now (database down?): let it come back later.
            _log.warning(
                "dead-letter write failed, will retry",
                consumer=self.name,
                event_id=envelope.id,
                error=type(exc).__name__,
            )
            delay = scheduled_delay(self._settings.nak_backoff, envelope.num_delivered)
            try:
                await msg.nak(delay=delay)
            except Exception as nak_exc:
                _log.debug("nak failed", consumer=self.name, error=type(nak_exc).__name__)
            return Outcome.RETRY
        metrics.CONSUMER_DEAD_LETTERED.labels(self.name, envelope.type).inc()
        _log.error(
            "event dead-lettered",
            consumer=self.name,
            event_type=envelope.type,
            event_id=envelope.id,
            num_delivered=envelope.num_delivered,
            error=error,
        )
        try:
            await msg.term()
        except Exception as exc:
            _log.debug("term failed", consumer=self.name, error=type(exc).__name__)
        return Outcome.DEAD_LETTERED


__all__ = ["ConsumerSettings", "EventConsumer", "Handler", "Outcome"]
