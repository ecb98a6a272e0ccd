"""The worker's reconciler: asks the PSP about payments whose status never arrived.

Every ``ROPO_PAYMENT_RECONCILE_INTERVAL_SECONDS`` (30) it queries the PSP for pending
payments unchanged for ``ROPO_PAYMENT_RECONCILE_AFTER_SECONDS`` (120) and applies the
answer like a callback (kind ``reconcile``), so dropped callbacks and closed browsers
still complete a payment. It also prunes CreatePayment answers older than 24 h. A
failed round (PSP or database away) is logged and retried on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib

from ropo_platform.logging import get_logger

from ropo_payment.service_layer.handlers import PaymentHandlers

_log = get_logger(__name__)


class Reconciler:
    """A ``Runnable`` for ``run_until_stopped``."""

    def __init__(self, handlers: PaymentHandlers, interval: float) -> None:
        self._handlers = handlers
        self._interval = interval
        self._stopping = asyncio.Event()

    async def run_once(self) -> int:
        """One round; returns how many payments changed state."""
        changed = await self._handlers.reconcile_due()
        pruned = await self._handlers.prune_requests()
        if pruned:
            _log.info("create_payment_requests_pruned", count=pruned)
        return changed

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as exc:
                _log.warning("reconcile round failed, retrying", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    def stop(self) -> None:
        self._stopping.set()
