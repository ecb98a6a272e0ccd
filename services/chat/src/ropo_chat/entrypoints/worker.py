"""The ``worker`` role: provisions the ``ROPO_CHAT`` stream (capturing ``ropo.chat.>``)
and runs the outbox relay until SIGTERM/SIGINT. The relay's events are what wakes the
watchers of a conversation in the ``serve`` processes (``adapters.live_feed``), so its
polling interval (``ROPO_CHAT_RELAY_POLL_SECONDS``) is short.
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
    poll_interval: float | None = None,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out.
    ``poll_interval`` overrides ``ROPO_CHAT_RELAY_POLL_SECONDS``."""
    await run_relay_worker(
        "chat",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        stop=stop,
        signals=signals,
        poll_interval=app.settings.relay_poll_seconds if poll_interval is None else poll_interval,
        stream_replicas=app.settings.stream_replicas,
    )
