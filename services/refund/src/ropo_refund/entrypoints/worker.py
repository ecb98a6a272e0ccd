"""The ``worker`` role: provisions the ``ROPO_REFUND`` stream (capturing
``ropo.refund.>``), then runs the consumers that open refund cases
(``refund-invoice-events`` on ``ROPO_INVOICE``, ``refund-payment-events`` on
``ROPO_PAYMENT``) and the outbox relay until SIGTERM/SIGINT. Each consumer waits for
its stream to exist (the producing service's worker provisions it).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import run_relay_worker

from ropo_refund.bootstrap import EVENT_SOURCE, ConsumerOverrides, RefundApp

STREAM = "ROPO_REFUND"
STREAM_SUBJECTS = ("ropo.refund.>",)


async def run_worker(
    app: RefundApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    consumer_overrides: ConsumerOverrides | None = None,
    poll_interval: float | None = None,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out.
    ``poll_interval`` overrides ``ROPO_REFUND_RELAY_POLL_SECONDS``."""
    await run_relay_worker(
        "refund",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        consumers=lambda nc: app.worker_components(nc, consumer_overrides),
        stop=stop,
        signals=signals,
        poll_interval=app.settings.relay_poll_seconds if poll_interval is None else poll_interval,
        stream_replicas=app.settings.stream_replicas,
    )
