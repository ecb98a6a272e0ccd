"""A NATS connection that never gives up: the worker keeps running through broker
outages (the outbox keeps the events meanwhile) and resumes on reconnect.
"""

from __future__ import annotations

from nats.aio.client import Client

from ropo_platform.logging import get_logger

_log = get_logger(__name__)


async def connect_nats(
    url: str,
    *,
    name: str,
    reconnect_time_wait: float = 1.0,
    connect_timeout: float = 2.0,
    ping_interval: float = 20.0,
) -> Client:
    """Connect to ``url`` (comma-separated for a cluster), waiting as long as it takes.

    Reconnects forever after a disconnect; meanwhile publishes and fetches fail
    fast or time out and the relay/consumer loops retry. Close with
    ``await nc.drain()`` (or ``close()``) on shutdown.
    """

    async def on_error(exc: Exception) -> None:
        # Fires on every failed reconnect attempt: debug, the disconnect is logged once.
        _log.debug("nats connection error", connection=name, error=type(exc).__name__)

    async def on_disconnected() -> None:
        # Also called by our own close(); only an unplanned disconnect is news.
        if not client.is_closed:
            _log.warning("nats disconnected", connection=name)

    async def on_reconnected() -> None:
        _log.info("nats reconnected", connection=name)

    client = Client()
    await client.connect(
        servers=[server.strip() for server in url.split(",") if server.strip()],
        name=name,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        # The client types these as int; fractions of a second work and keep tests fast.
        reconnect_time_wait=reconnect_time_wait,  # type: ignore[arg-type]
        connect_timeout=connect_timeout,  # type: ignore[arg-type]
        ping_interval=ping_interval,  # type: ignore[arg-type]
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
    )
    return client


__all__ = ["connect_nats"]
