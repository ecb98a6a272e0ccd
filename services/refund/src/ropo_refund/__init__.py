"""Refund service: refund cases, reported accounts and payout batches.

A skeleton so far: it serves ``ropo.refund.v1.RefundService`` (every method answers
``UNIMPLEMENTED`` until issue 7 builds it), health and reflection, and its
worker provisions the ``ROPO_REFUND`` stream and runs the outbox relay.
"""

__version__ = "0.1.0"
