"""The ``worker`` role: provisions the ``ROPO_PAYMENT`` stream (capturing
``ropo.payment.>``), then runs the invoice-event consumer (the invoice index), the
PSP reconciler and the outbox relay until SIGTERM/SIGINT. The consumer waits for
``ROPO_INVOICE`` to exist (the invoice worker provisions it).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import ConsumerSettings, run_relay_worker

from ropo_payment.bootstrap import EVENT_SOURCE, PaymentApp

STREAM = "ROPO_PAYMENT"
STREAM_SUBJECTS = ("ropo.payment.>",)


async def run_worker(
    app: PaymentApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    consumer_settings: ConsumerSettings | None = None,
    poll_interval: float | None = None,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out.
    ``poll_interval`` overrides ``ROPO_PAYMENT_RELAY_POLL_SECONDS``."""
    await run_relay_worker(
        "payment",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        consumers=lambda nc: app.worker_components(nc, consumer_settings),
        stop=stop,
        signals=signals,
        poll_interval=app.settings.relay_poll_seconds if poll_interval is None else poll_interval,
        stream_replicas=app.settings.stream_replicas,
    )
