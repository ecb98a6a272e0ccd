"""Run relays and consumers together until SIGTERM/SIGINT (the ``worker`` role).

``run_relay_worker`` is a service's whole worker: connect to NATS, provision the
service's own stream, run its outbox relay (and its consumers) until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

from nats.aio.client import Client

from ropo_platform.db.database import Database
from ropo_platform.logging import get_logger
from ropo_platform.messaging.connection import connect_nats
from ropo_platform.messaging.relay import OutboxRelay
from ropo_platform.messaging.streams import ensure_stream

_log = get_logger(__name__)
T = TypeVar("T")


class Runnable(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event, signals: Iterable[signal.Signals]) -> Iterator[None]:
    """Set ``stop`` when one of ``signals`` arrives, while the block runs."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in signals:
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def run_until_stopped(
    components: Iterable[Runnable],
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run every component; on a signal (or ``stop`` being set) stop them and wait.

    If one component fails, the others are stopped too and the error propagates,
    so a supervisor restarts the whole worker.
    """
    items = list(components)
    stop = stop or asyncio.Event()

    async def stopper() -> None:
        await stop.wait()
        _log.info("worker stopping")
        for item in items:
            item.stop()

    with stop_on_signals(stop, signals):
        stopper_task = asyncio.create_task(stopper())
        try:
            async with asyncio.TaskGroup() as group:
                for item in items:
                    group.create_task(item.run())
        finally:
            stop.set()
            await stopper_task


async def run_relay_worker(
    context: str,
    database: Database,
    nats_url: str,
    *,
    stream: str,
    subjects: Sequence[str],
    source: str,
    consumers: Callable[[Client], Iterable[Runnable]] | None = None,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    poll_interval: float = 0.5,
    stream_replicas: int = 1,
) -> None:
    """The ``worker`` role of service ``context``, until ``stop`` is set or a signal arrives.

    Connects to ``nats_url`` as ``<context>-worker`` (NATS outages are ridden out),
    provisions ``stream`` capturing ``subjects`` with ``stream_replicas`` replicas
    (idempotently; an existing stream is scaled to that count), then runs the outbox
    relay of ``database`` (events with ``ce-source`` ``source``) together with
    ``consumers(nc)``; drains the connection on the way out.
    """
    stop = stop or asyncio.Event()
    # Signals count from the first moment: a SIGTERM while NATS is still being
    # reached (it may be down for a while) ends the worker cleanly, not by default
    # action halfway through start-up.
    with stop_on_signals(stop, signals):
        nc = await _until_stopped(
            _connect_and_provision(context, nats_url, stream, subjects, stream_replicas), stop
        )
        if nc is None:
            _log.info("worker stopped before it started")
            return
        try:
            relay = OutboxRelay(database, nc, source=source, poll_interval=poll_interval)
            others = list(consumers(nc)) if consumers is not None else []
            await run_until_stopped([relay, *others], stop=stop, signals=())
        finally:
            await nc.drain()


async def _connect_and_provision(
    context: str, nats_url: str, stream: str, subjects: Sequence[str], replicas: int
) -> Client:
    nc = await connect_nats(nats_url, name=f"{context}-worker")
    try:
        await ensure_stream(
            nc.jetstream(),
            name=stream,
            subjects=list(subjects),
            replicas=replicas,
            description=f"Integration events of the {context} service",
        )
    except BaseException:
        await nc.close()
        raise
    _log.info("stream_ready", stream=stream, replicas=replicas)
    return nc


async def _until_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """``work``'s result, or ``None`` (with ``work`` cancelled) once ``stop`` is set."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


__all__ = ["Runnable", "run_relay_worker", "run_until_stopped", "stop_on_signals"]
