"""Rate limit of *Hae lasku*: at most N attempts per person in a sliding window.

The attempts are counted per person (the session's pseudonymous subject), not per
session id: logging in again must not reset the counter, and a person has no way
to get a fresh subject. They are stored in the gateway database (``lookup_attempts``)
rather than in process memory so that every gateway replica sees the same count and
a restart does not reset it. Counting and recording happen in one write transaction;
on SQLite that serialises concurrent attempts, on PostgreSQL two racing requests can
at worst both take the last free slot (one attempt over the limit, never more per race).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ropo_gateway.auth.sessions import Clock, utc_now


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``max_attempts`` in any ``window``."""

    max_attempts: int = 10
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether one more attempt may run; ``retry_after_seconds`` when it may not."""

    allowed: bool
    retry_after_seconds: int = 0


class AttemptStore(Protocol):
    """Durable log of attempts."""

    async def record_if_below(
        self, holder: str, now: datetime, since: datetime, max_attempts: int
    ) -> datetime | None:
        """Record an attempt at ``now`` unless ``holder`` already made ``max_attempts``
        after ``since``; then return the oldest of those (nothing is recorded)."""
        ...

    async def purge(self, before: datetime) -> int:
        """Delete attempts older than ``before``; return how many."""
        ...


class LookupRateLimiter:
    """Admits or refuses one lookup attempt of a person."""

    def __init__(self, store: AttemptStore, limit: RateLimit, clock: Clock = utc_now) -> None:
        self._store = store
        self._limit = limit
        self._clock = clock

    @property
    def limit(self) -> RateLimit:
        return self._limit

    async def admit(self, holder: str) -> Admission:
        """Record the attempt when the person is below the limit; otherwise say how long
        until the oldest attempt in the window leaves it."""
        now = self._clock()
        oldest = await self._store.record_if_below(
            holder, now, now - self._limit.window, self._limit.max_attempts
        )
        if oldest is None:
            return Admission(True)
        wait = (oldest + self._limit.window - now).total_seconds()
        return Admission(False, max(1, math.ceil(wait)))

    async def purge(self) -> int:
        """Housekeeping: forget attempts that no longer count."""
        return await self._store.purge(self._clock() - self._limit.window)
