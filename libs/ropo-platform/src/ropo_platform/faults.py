"""Named crash points for fault-injection tests.

``fault_point("after_commit_before_publish")`` kills the process with
``os._exit(137)`` (the exit status of ``kill -9``) when the environment variable
``ROPO_FAULT`` names that point. No ``finally`` blocks, no atexit handlers, no
flushing of buffers: exactly what a crash does, so the tests that use it prove
the recovery paths rather than our clean-up code.

``ROPO_FAULT`` is a comma-separated list of names; ``name@N`` fires only on the
N-th time the point is reached (e.g. crash after two events were handled). The
variable is read once at import, so an unarmed point costs one set lookup.

The points placed in ``ropo_platform`` (see :data:`KNOWN_POINTS`) cover the
windows of the transactional outbox and the idempotent consumer.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

FAULT_ENV = "ROPO_FAULT"
CRASH_EXIT_CODE = 137

AFTER_COMMIT_BEFORE_PUBLISH = "after_commit_before_publish"
AFTER_PUBLISH_BEFORE_MARK_SENT = "after_publish_before_mark_sent"
CONSUMER_BEFORE_EFFECT_COMMIT = "consumer_before_effect_commit"
CONSUMER_AFTER_COMMIT_BEFORE_ACK = "consumer_after_commit_before_ack"

KNOWN_POINTS = frozenset(
    {
        AFTER_COMMIT_BEFORE_PUBLISH,
        AFTER_PUBLISH_BEFORE_MARK_SENT,
        CONSUMER_BEFORE_EFFECT_COMMIT,
        CONSUMER_AFTER_COMMIT_BEFORE_ACK,
    }
)


def _parse(spec: str) -> dict[str, int]:
    """``"a,b@3"`` → ``{"a": 1, "b": 3}`` (the hit on which each point fires)."""
    armed: dict[str, int] = {}
    for item in spec.split(","):
        name, _, nth = item.strip().partition("@")
        if not name:
            continue
        armed[name] = int(nth) if nth else 1
    return armed


_armed: dict[str, int] = _parse(os.environ.get(FAULT_ENV, ""))
_hits: Counter[str] = Counter()


def reload_faults(spec: str | None = None) -> None:
    """Re-read ``ROPO_FAULT`` (or use ``spec``); for tests that arm points in-process."""
    global _armed
    _armed = _parse(os.environ.get(FAULT_ENV, "") if spec is None else spec)
    _hits.clear()


def armed_points() -> frozenset[str]:
    """Names of the points armed in this process."""
    return frozenset(_armed)


def fault_point(name: str) -> None:
    """Crash the process here if ``ROPO_FAULT`` arms ``name`` (no-op otherwise)."""
    if not _armed or name not in _armed:
        return
    _hits[name] += 1
    if _hits[name] < _armed[name]:
        return
    # One line on stderr so a test log shows which point fired; then die hard.
    sys.stderr.write(f"ropo fault point {name!r} fired: exiting with {CRASH_EXIT_CODE}\n")
    sys.stderr.flush()
    os._exit(CRASH_EXIT_CODE)


__all__ = [
    "AFTER_COMMIT_BEFORE_PUBLISH",
    "AFTER_PUBLISH_BEFORE_MARK_SENT",
    "CONSUMER_AFTER_COMMIT_BEFORE_ACK",
    "CONSUMER_BEFORE_EFFECT_COMMIT",
    "CRASH_EXIT_CODE",
    "FAULT_ENV",
    "KNOWN_POINTS",
    "armed_points",
    "fault_point",
    "reload_faults",
]
