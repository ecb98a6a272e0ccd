"""The *Maksut* section of a Ropo One case: the PSP payments covering the invoice.

A payment may cover invoices of several creditors, so a row shows the amount paid on
*this* invoice, never the payment's total (a creditor user would otherwise learn of other
creditors' receivables). The section is optional: with the payment service down the case
still opens and says *Maksutietoja ei saatu*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ropo_platform.logging import get_logger
from ropo_platform.money import Money

from ropo_gateway.clients.payments import PaymentState, PaymentView
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one.ports import PaymentLedger

#: The most payments one case lists (a case has a handful; this only bounds the call).
MAX_CASE_PAYMENTS: Final = 100

_log = get_logger("ropo_gateway.ropo_one.payments")


@dataclass(frozen=True, slots=True)
class CasePayment:
    """One payment as the case page and the case API show it."""

    name: str
    create_time: datetime | None
    state: PaymentState
    #: Paid on this case's invoice.
    amount: Money
    #: Payment method chosen at the PSP (``nordea``); empty until known.
    method: str
    provider_transaction_id: str
    succeed_time: datetime | None
    settle_time: datetime | None


def case_payment(payment: PaymentView, invoice: str) -> CasePayment:
    """The row of ``payment`` for the case of ``invoice`` (``invoices/{id}``)."""
    mine = [item.amount for item in payment.items if item.invoice == invoice]
    amount = Money.sum(mine, mine[0].currency) if mine else Money.zero(payment.amount.currency)
    return CasePayment(
        name=payment.name,
        create_time=payment.create_time,
        state=payment.state,
        amount=amount,
        method=payment.provider_method,
        provider_transaction_id=payment.provider_transaction_id,
        succeed_time=payment.succeed_time,
        settle_time=payment.settle_time,
    )


async def case_payments(ledger: PaymentLedger, invoice: str) -> list[CasePayment] | None:
    """The payments of the case, newest first; ``None`` when they could not be read."""
    try:
        payments = await ledger.list_payments(invoice=invoice, limit=MAX_CASE_PAYMENTS)
    except UpstreamError as error:
        _log.warning(
            "payments_unavailable", code=error.rpc_error.code.name, reason=error.rpc_error.reason
        )
        return None
    return [case_payment(payment, invoice) for payment in payments]
