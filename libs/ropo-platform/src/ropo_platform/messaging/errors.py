"""Errors a consumer handler raises to steer delivery."""

from __future__ import annotations


class PermanentError(Exception):
    """Retrying cannot help (malformed event, violated invariant).

    The consumer writes the event to the ``dead_letter`` table and terminates
    it at once instead of redelivering it ``max_deliver`` times. Any other
    exception counts as transient: ``nak`` with backoff, dead letter at the end.
    """


__all__ = ["PermanentError"]
