"""Exponential backoff with jitter, shared by the relay and the consumer."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """``base * 2**(attempt-1)`` seconds, capped at ``cap``, ± ``jitter`` (a fraction).

    Jitter keeps many relays/consumers that failed together from retrying in lockstep.
    """

    base: float = 0.5
    cap: float = 60.0
    jitter: float = 0.2

    def delay(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1 = first retry)."""
        exponent = min(max(attempt, 1) - 1, 32)  # 2**32 * base is past any cap
        delay = min(self.cap, self.base * (2.0**exponent))
        if self.jitter:
            # Not security relevant: spreads retries only.
            delay *= 1.0 + self.jitter * (2.0 * random.random() - 1.0)  # noqa: S311
        return max(0.0, delay)


def scheduled_delay(schedule: Sequence[float], attempt: int) -> float:
    """``schedule[attempt-1]``, repeating the last value (NATS ``BackOff`` semantics)."""
    if not schedule:
        return 0.0
    index = min(max(attempt, 1), len(schedule)) - 1
    return float(schedule[index])


__all__ = ["Backoff", "scheduled_delay"]
