"""Payment service: payment intents and PSP transactions, incoming bank payments.

A skeleton so far: it serves ``ropo.payment.v1.PaymentService`` (every method answers
``UNIMPLEMENTED`` until issue 5 builds it), health and reflection, and its
worker provisions the ``ROPO_PAYMENT`` stream and runs the outbox relay.
"""

__version__ = "0.1.0"
