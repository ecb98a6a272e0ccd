"""The worker's expiry sweep: authorizations past their last day become EXPIRED.

Access checks already treat such an authorization as not in force the moment its
day ends (Helsinki); the sweep makes the state visible in lists and publishes
``authorization_revoked`` with state EXPIRED. It runs every
``ROPO_AUTHORIZATION_EXPIRY_SWEEP_INTERVAL`` seconds (60), in batches; a failed run
(database away) is logged and retried on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib

from ropo_platform.logging import get_logger

from ropo_authorization.service_layer.handlers import EXPIRY_BATCH, AuthorizationHandlers

_log = get_logger(__name__)


class ExpirySweeper:
    """A ``Runnable`` for ``run_until_stopped``."""

    def __init__(
        self, handlers: AuthorizationHandlers, interval: float, batch: int = EXPIRY_BATCH
    ) -> None:
        self._handlers = handlers
        self._interval = interval
        self._batch = batch
        self._stopping = asyncio.Event()

    async def sweep(self) -> int:
        """One run: every due authorization, batch after batch; returns how many."""
        total = 0
        while not self._stopping.is_set():
            count = await self._handlers.expire_due_authorizations(self._batch)
            total += count
            if count < self._batch:
                break
        if total:
            _log.info("authorizations_expired", count=total)
        return total

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception as exc:
                _log.warning("expiry sweep failed, retrying", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    def stop(self) -> None:
        self._stopping.set()
