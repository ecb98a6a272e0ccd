"""The ``worker`` role: event consumers plus the outbox relay.

At start it provisions this service's own stream (``ROPO_AUTHORIZATION`` capturing
``ropo.authorization.>``; issue 4 publishes authorization events to it), then
runs the invoice-event consumer and the relay until SIGTERM/SIGINT. The consumer
waits for ``ROPO_INVOICE`` to exist (the invoice worker provisions it).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.logging import get_logger
from ropo_platform.messaging import (
    ConsumerSettings,
    OutboxRelay,
    connect_nats,
    ensure_stream,
    run_until_stopped,
)

from ropo_authorization.bootstrap import EVENT_SOURCE, AuthorizationApp

STREAM = "ROPO_AUTHORIZATION"
STREAM_SUBJECTS = ("ropo.authorization.>",)

_log = get_logger(__name__)


async def run_worker(
    app: AuthorizationApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    consumer_settings: ConsumerSettings | None = None,
    poll_interval: float = 0.5,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    nc = await connect_nats(app.settings.nats_url, name="authorization-worker")
    try:
        await ensure_stream(
            nc.jetstream(),
            name=STREAM,
            subjects=list(STREAM_SUBJECTS),
            description="Integration events of the authorization service",
        )
        _log.info("stream_ready", stream=STREAM)
        relay = OutboxRelay(app.database, nc, source=EVENT_SOURCE, poll_interval=poll_interval)
        consumers = app.event_consumers(nc, consumer_settings)
        await run_until_stopped([relay, *consumers], stop=stop, signals=signals)
    finally:
        await nc.drain()
