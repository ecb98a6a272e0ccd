"""Paytrail's timestamp format: ISO 8601 UTC with milliseconds and ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(epoch_seconds: float) -> str:
    """E.g. ``2018-07-06T10:01:31.904Z``."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_epoch(text: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 timestamp with a zone; ``None`` if unusable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        # Without a zone the skew check would depend on the sandbox's local time.
        return None
    return moment.timestamp()
