"""The ``worker`` role: provisions the ``ROPO_REFUND`` stream (capturing
``ropo.refund.>``) and runs the outbox relay until SIGTERM/SIGINT. Event consumers
join the same ``run_until_stopped`` with issue 7.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import run_relay_worker

from ropo_refund.bootstrap import EVENT_SOURCE, RefundApp

STREAM = "ROPO_REFUND"
STREAM_SUBJECTS = ("ropo.refund.>",)


async def run_worker(
    app: RefundApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    await run_relay_worker(
        "refund",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        stop=stop,
        signals=signals,
    )
