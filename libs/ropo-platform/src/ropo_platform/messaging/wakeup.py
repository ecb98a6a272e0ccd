"""In-process wake-up of the relay after a transaction that wrote outbox rows commits.

When the relay runs in the same process as the command handlers (the embedded
setup), it publishes within milliseconds instead of waiting for its next poll.
Across processes the relay's short polling interval is the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "ropo.outbox.pending"


class CommitSignal:
    """Wakes every subscribed waiter; safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}

    def subscribe(self) -> asyncio.Event:
        """An event set on each commit (the caller clears it after waking)."""
        waiter = asyncio.Event()
        with self._lock:
            self._waiters[waiter] = asyncio.get_running_loop()
        return waiter

    def unsubscribe(self, waiter: asyncio.Event) -> None:
        with self._lock:
            self._waiters.pop(waiter, None)

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters.items())
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for waiter, loop in waiters:
            if loop is current:
                waiter.set()
            else:
                # The loop may be closed already; then nobody is waiting.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(waiter.set)


OUTBOX_COMMITTED = CommitSignal()


def mark_outbox_written(session: Session) -> None:
    """Remember that ``session``'s transaction wrote outbox rows."""
    session.info[_PENDING] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        OUTBOX_COMMITTED.notify()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


__all__ = ["OUTBOX_COMMITTED", "CommitSignal", "mark_outbox_written"]
