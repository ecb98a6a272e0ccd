"""Polling helpers: wait for an eventually-consistent condition, fail with context."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    condition: Callable[[T], bool],
    *,
    within: float = 15.0,
    interval: float = 0.05,
    message: str = "condition not met",
) -> T:
    """Call ``probe`` until ``condition(result)`` holds; returns the result.

    Raises ``AssertionError`` with the last result when ``within`` seconds pass.
    """
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if condition(result):
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} within {within}s; last value: {result!r}")
        await asyncio.sleep(interval)


__all__ = ["eventually"]
