"""Run relays and consumers together until SIGTERM/SIGINT (the ``worker`` role)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable
from typing import Protocol

from ropo_platform.logging import get_logger

_log = get_logger(__name__)


class Runnable(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


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
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in signals:
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread
            pass

    async def stopper() -> None:
        await stop.wait()
        _log.info("worker stopping")
        for item in items:
            item.stop()

    stopper_task = asyncio.create_task(stopper())
    try:
        async with asyncio.TaskGroup() as group:
            for item in items:
                group.create_task(item.run())
    finally:
        stop.set()
        await stopper_task
        for sig in installed:
            loop.remove_signal_handler(sig)


__all__ = ["Runnable", "run_until_stopped"]
