"""Closed-loop load driver shared by the benchmarks.

Keeps a fixed number of requests in flight for a fixed time and reports throughput and
latency percentiles. Closed-loop drivers understate tail latency when the server stalls
(coordinated omission); the baseline compares endpoints measured the same way on the same
machine, so the ratios stay meaningful even where absolute tails are optimistic.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

import aiohttp


@dataclass(frozen=True)
class LoadResult:
    name: str
    in_flight: int
    duration_s: float
    requests: int
    errors: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    p90_ms: float = float("nan")
    max_ms: float = float("nan")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def run_closed_loop(
    name: str,
    call: Callable[[], Awaitable[object]],
    *,
    in_flight: int = 64,
    duration_s: float = 10.0,
    warmup_s: float = 2.0,
) -> LoadResult:
    """Run `call` from `in_flight` concurrent workers; measure after a warm-up period."""
    latencies: list[float] = []
    errors = 0
    measuring = False
    stop_at = time.perf_counter() + warmup_s + duration_s

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                await call()
            except Exception:
                if measuring:
                    errors += 1
                continue
            if measuring:
                latencies.append(time.perf_counter() - started)

    tasks = [asyncio.create_task(worker()) for _ in range(in_flight)]
    await asyncio.sleep(warmup_s)
    measuring = True
    measure_start = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - measure_start
    latencies.sort()
    return LoadResult(
        name=name,
        in_flight=in_flight,
        duration_s=round(elapsed, 2),
        requests=len(latencies),
        errors=errors,
        requests_per_s=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(latencies, 0.50) * 1000, 2),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
        p90_ms=round(percentile(latencies, 0.90) * 1000, 2),
        max_ms=round(latencies[-1] * 1000, 2) if latencies else float("nan"),
    )


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def http_session(
    base_url: str, in_flight: int, cookies: dict[str, str] | None = None
) -> aiohttp.ClientSession:
    """An HTTP/1.1 keep-alive client with one connection per worker.

    aiohttp rather than httpx: httpx's connection pool costs more CPU than the
    endpoints measured here, so it would measure itself.
    """
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=in_flight),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        cookies=cookies,
        timeout=aiohttp.ClientTimeout(total=30),
    )
