"""Refund service: refund cases, reported accounts and payout batches (*Ilmoita tilinumero*).

It serves ``ropo.refund.v1.RefundService``: the person's three-step wizard
(VerifyRefundCase with limited attempts, SubmitRefundAccount, ConfirmRefundAccount),
Ropo One's list, approval (four eyes), rejection and audited account changes, the
refund letter as PDF, and payouts: ExportPayoutBatch writes a pain.001.001.09 file of
the approved refunds (never a refund in two batches), ImportPayoutStatus reads the
bank's pain.002 (paid → ``refund_paid``; rejected → back to awaiting an account). Its
worker provisions the ``ROPO_REFUND`` stream, runs the outbox relay and opens cases
from ``overpayment_detected``, ``credit_note_refund_due`` and
``unclear_payment_received``.
"""

__version__ = "0.1.0"
