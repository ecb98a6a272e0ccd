"""The ``worker`` role: provisions the ``ROPO_PAYMENT`` stream (capturing
``ropo.payment.>``) and runs the outbox relay until SIGTERM/SIGINT. Event consumers
join the same ``run_until_stopped`` with issue 5.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import run_relay_worker

from ropo_payment.bootstrap import EVENT_SOURCE, PaymentApp

STREAM = "ROPO_PAYMENT"
STREAM_SUBJECTS = ("ropo.payment.>",)


async def run_worker(
    app: PaymentApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    await run_relay_worker(
        "payment",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        stop=stop,
        signals=signals,
    )
