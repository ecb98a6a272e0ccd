"""The ``worker`` role: publishes the outbox to JetStream.

At start it provisions the invoice stream (``ROPO_INVOICE`` capturing
``ropo.invoice.>``), idempotently, then runs the outbox relay until SIGTERM or
SIGINT. Consumers of payment events join the same ``run_until_stopped`` later.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.logging import get_logger
from ropo_platform.messaging import OutboxRelay, connect_nats, ensure_stream, run_until_stopped

from ropo_invoice.bootstrap import InvoiceApp
from ropo_invoice.service_layer.integration_events import EVENT_SOURCE

STREAM = "ROPO_INVOICE"
STREAM_SUBJECTS = ("ropo.invoice.>",)

_log = get_logger(__name__)


async def run_worker(
    app: InvoiceApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    poll_interval: float = 0.5,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    nc = await connect_nats(app.settings.nats_url, name="invoice-worker")
    try:
        await ensure_stream(
            nc.jetstream(),
            name=STREAM,
            subjects=list(STREAM_SUBJECTS),
            description="Integration events of the invoice service",
        )
        _log.info("stream_ready", stream=STREAM)
        relay = OutboxRelay(app.database, nc, source=EVENT_SOURCE, poll_interval=poll_interval)
        await run_until_stopped([relay], stop=stop, signals=signals)
    finally:
        await nc.drain()
