"""The ``worker`` role: provisions the ``ROPO_CHAT`` stream (capturing
``ropo.chat.>``) and runs the outbox relay until SIGTERM/SIGINT. Event consumers
join the same ``run_until_stopped`` with issue 8.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.logging import get_logger
from ropo_platform.messaging import OutboxRelay, connect_nats, ensure_stream, run_until_stopped

from ropo_chat.bootstrap import EVENT_SOURCE, ChatApp

STREAM = "ROPO_CHAT"
STREAM_SUBJECTS = ("ropo.chat.>",)

_log = get_logger(__name__)


async def run_worker(
    app: ChatApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    nc = await connect_nats(app.settings.nats_url, name="chat-worker")
    try:
        await ensure_stream(
            nc.jetstream(),
            name=STREAM,
            subjects=list(STREAM_SUBJECTS),
            description="Integration events of the chat service",
        )
        _log.info("stream_ready", stream=STREAM)
        relay = OutboxRelay(app.database, nc, source=EVENT_SOURCE)
        await run_until_stopped([relay], stop=stop, signals=signals)
    finally:
        await nc.drain()
