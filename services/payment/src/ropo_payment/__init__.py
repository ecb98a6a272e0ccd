"""Payment service: PSP payments (Paytrail protocol) and incoming bank payments.

It serves ``ropo.payment.v1.PaymentService``: CreatePayment (idempotent by
``request_id`` with recovery points), GetPayment, ListPayments, HandlePspReturn
(verified redirects and callbacks, applied at most once), ImportBankStatement and
ListBankPayments. Its worker provisions the ``ROPO_PAYMENT`` stream, runs the outbox
relay, keeps the invoice index from invoice events, and reconciles pending payments
with the PSP.
"""

__version__ = "0.1.0"
