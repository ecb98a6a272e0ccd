"""The ``worker`` role: event consumers, the expiry sweep and the outbox relay.

At start it provisions this service's own stream (``ROPO_AUTHORIZATION`` capturing
``ropo.authorization.>``: ``authorization_granted`` / ``authorization_revoked``),
then runs the invoice-event consumer, the expiry sweep and the relay until
SIGTERM/SIGINT. The consumer waits for ``ROPO_INVOICE`` to exist (the invoice
worker provisions it).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import ConsumerSettings, run_relay_worker

from ropo_authorization.bootstrap import EVENT_SOURCE, AuthorizationApp

STREAM = "ROPO_AUTHORIZATION"
STREAM_SUBJECTS = ("ropo.authorization.>",)


async def run_worker(
    app: AuthorizationApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    consumer_settings: ConsumerSettings | None = None,
    poll_interval: float = 0.5,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    await run_relay_worker(
        "authorization",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        consumers=lambda nc: app.worker_components(nc, consumer_settings),
        stop=stop,
        signals=signals,
        poll_interval=poll_interval,
        stream_replicas=app.settings.stream_replicas,
    )
