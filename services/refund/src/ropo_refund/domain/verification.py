"""Step 1 of the wizard: proving knowledge of the letter, with limited attempts.

Every failure looks the same to the caller. Failures are counted per subject (5 in 15
minutes) and per typed case number, whether such a case exists or not (10 in 24
hours, from any subject): guessing MyRopo IDs for one letter stays hopeless even from
many identities. A success lets that subject continue with the case for a while.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from ropo_platform.errors import NotFound, ResourceExhausted

CASE_NOT_FOUND = "REFUND_CASE_NOT_FOUND"
CASE_NOT_FOUND_MESSAGE = "No refund case matches the case number and MyRopo ID."
VERIFICATION_LOCKED = "REFUND_VERIFICATION_LOCKED"
VERIFICATION_LOCKED_MESSAGE = "Too many attempts; try again later."


@dataclass(frozen=True, slots=True)
class AttemptLimit:
    failures: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    per_subject: AttemptLimit = AttemptLimit(5, timedelta(minutes=15))
    per_case_number: AttemptLimit = AttemptLimit(10, timedelta(hours=24))
    valid_for: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FailureCount:
    """Failures inside a window, and when the oldest of them happened."""

    count: int
    oldest: datetime | None


def case_number_key(normalised: str) -> str:
    """What failures of a typed case number are counted under (a digest: the typed text
    may be anything, and the counter needs no more than equality)."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def case_not_found() -> NotFound:
    """The one answer to every failed verification (and to a case not verified)."""
    return NotFound(CASE_NOT_FOUND, CASE_NOT_FOUND_MESSAGE)


def retry_after(limit: AttemptLimit, failures: FailureCount, now: datetime) -> float | None:
    """Seconds until another attempt is allowed, or ``None`` while attempts remain."""
    if failures.count < limit.failures:
        return None
    oldest = failures.oldest or now
    return max(1.0, (oldest + limit.window - now).total_seconds())


def locked(seconds: float) -> ResourceExhausted:
    return ResourceExhausted(
        VERIFICATION_LOCKED, VERIFICATION_LOCKED_MESSAGE, retry_after_seconds=round(seconds)
    )
