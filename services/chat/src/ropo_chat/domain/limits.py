"""How many messages one sender may post: a pure rule over the sender's recent post times.

The service layer reads the sender's post times from its own database (newest first is
enough: at most ``MessageRateLimit.max_relevant`` of them, none older than
``MessageRateLimit.lookback``) and asks ``decide``; the rule itself keeps no state, so it
holds across replicas and restarts. Each window is sliding: a post counts against a
window until exactly ``window`` has passed since it.

Defaults: at most 10 messages in any 60 seconds and 100 in any day per sender.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ropo_platform.errors import ResourceExhausted

RATE_LIMITED = "CHAT_MESSAGE_RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class RateWindow:
    """At most ``max_messages`` in any ``window``."""

    window: timedelta
    max_messages: int

    def __post_init__(self) -> None:
        if self.window <= timedelta(0) or self.max_messages < 1:
            raise ValueError("a rate window needs a positive length and limit")


@dataclass(frozen=True, slots=True)
class RateDecision:
    """``allowed``, or when the sender may post again (whole seconds, at least 1)."""

    allowed: bool
    retry_after_seconds: int = 0
    window: RateWindow | None = None


ALLOWED = RateDecision(allowed=True)

DEFAULT_WINDOWS = (
    RateWindow(timedelta(seconds=60), 10),
    RateWindow(timedelta(days=1), 100),
)


@dataclass(frozen=True, slots=True)
class MessageRateLimit:
    windows: tuple[RateWindow, ...] = DEFAULT_WINDOWS

    @property
    def lookback(self) -> timedelta:
        """How far back post times matter."""
        return max(window.window for window in self.windows)

    @property
    def max_relevant(self) -> int:
        """How many of the newest post times are enough to decide."""
        return max(window.max_messages for window in self.windows)

    def decide(self, recent_post_times: Iterable[datetime], now: datetime) -> RateDecision:
        """May the sender post at ``now``, given when it posted before?

        When several windows are full, the answer waits for the one that frees up last.
        """
        newest_first = sorted(recent_post_times, reverse=True)
        refusal = ALLOWED
        for window in self.windows:
            in_window = [time for time in newest_first if time > now - window.window]
            if len(in_window) < window.max_messages:
                continue
            # Posting needs the oldest posts to leave the window until one place is free:
            # the max_messages-th newest one is the last that has to go.
            frees_at = in_window[window.max_messages - 1] + window.window
            wait = max(1, math.ceil((frees_at - now).total_seconds()))
            if wait > refusal.retry_after_seconds:
                refusal = RateDecision(allowed=False, retry_after_seconds=wait, window=window)
        return refusal

    def enforce(self, recent_post_times: Iterable[datetime], now: datetime) -> None:
        """``decide``, raising ``ResourceExhausted`` (with ``retry_after_seconds``) on refusal."""
        decision = self.decide(recent_post_times, now)
        if decision.allowed:
            return
        assert decision.window is not None
        raise ResourceExhausted(
            RATE_LIMITED,
            "Too many messages; wait before sending more.",
            {
                "max_messages": str(decision.window.max_messages),
                "window_seconds": str(int(decision.window.window.total_seconds())),
            },
            retry_after_seconds=decision.retry_after_seconds,
        )
