"""Callback delivery: signed GETs in background tasks, with delay, duplicates and retries.

Paytrail calls the merchant's callback URL server to server, possibly several times
and in parallel with the browser redirect (docs/payments.md). Each delivery is
its own task, so a slow receiver never delays the redirect answered to the browser.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from ropo_sandbox.logs import Logger

#: Pauses before the 2nd, 3rd, ... attempt of one delivery (then it gives up).
DEFAULT_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


class CallbackSender:
    """Owns the HTTP client and every pending delivery task of one app."""

    def __init__(
        self,
        log: Logger,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
    ) -> None:
        self._log = log
        self._retry_delays = tuple(retry_delays)
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None
        # Strong references: the event loop keeps only weak ones to tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Deliveries not finished yet."""
        return len(self._tasks)

    def schedule(self, url: str, transaction_id: str, *, delay: float, duplicates: int) -> None:
        """Start ``duplicates`` concurrent deliveries of ``url`` after ``delay`` seconds."""
        for copy in range(1, duplicates + 1):
            task = asyncio.create_task(self._deliver(url, transaction_id, delay, copy))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, transaction_id: str, delay: float, copy: int) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        # The query is signed PSP data; log where it went without it.
        target = urlsplit(url)._replace(query="").geturl()
        attempts = len(self._retry_delays) + 1
        for attempt in range(1, attempts + 1):
            outcome = await self._attempt(url)
            if outcome is None:
                self._log.info(
                    "psp_callback_delivered",
                    url=target,
                    transaction_id=transaction_id,
                    copy=copy,
                    attempt=attempt,
                )
                return
            self._log.warning(
                "psp_callback_failed",
                url=target,
                transaction_id=transaction_id,
                copy=copy,
                attempt=attempt,
                error=outcome,
            )
            if attempt < attempts:
                await asyncio.sleep(self._retry_delays[attempt - 1])
        self._log.error("psp_callback_abandoned", url=target, transaction_id=transaction_id)

    async def _attempt(self, url: str) -> str | None:
        """``None`` on a 2xx answer, else a short reason."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    async def aclose(self) -> None:
        """Cancel pending deliveries and close the HTTP client (app shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None
