"""The ``worker`` role: provisions the ``ROPO_CHAT`` stream (capturing
``ropo.chat.>``) and runs the outbox relay until SIGTERM/SIGINT. Event consumers
join the same ``run_until_stopped`` with issue 8.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import run_relay_worker

from ropo_chat.bootstrap import EVENT_SOURCE, ChatApp

STREAM = "ROPO_CHAT"
STREAM_SUBJECTS = ("ropo.chat.>",)


async def run_worker(
    app: ChatApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    await run_relay_worker(
        "chat",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        stop=stop,
        signals=signals,
    )
