"""Settling PSP payments from the PSP's settlement report.

Called by the statement import inside its own transaction (no commit here): each
report line whose transaction is a SUCCEEDED payment of the same amount moves it to
SETTLED and writes ``ropo.payment.v1.payment_settled``. Lines for unknown
transactions or with another amount are logged and counted, never applied; a
payment already settled counts as such (a report imported twice settles once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ropo_platform.logging import get_logger

from ropo_payment.domain.payments import PaymentState, StatusOutcome
from ropo_payment.domain.psp import PspStatus
from ropo_payment.service_layer.unit_of_work import AbstractUnitOfWork

_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SettlementItem:
    """One line of the PSP's settlement report."""

    transaction_id: str
    stamp: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class SettlementOutcome:
    settled: int
    already_settled: int
    unknown: int
    mismatched: int


async def settle(
    uow: AbstractUnitOfWork, items: Sequence[SettlementItem], settled_at: datetime
) -> SettlementOutcome:
    """The rule itself, on any unit of work (the caller commits)."""
    settled = already = unknown = mismatched = 0
    for item in items:
        payment = await uow.payments.get_by_transaction(item.transaction_id)
        if payment is None or (item.stamp and item.stamp != payment.id):
            unknown += 1
            _log.warning("settlement_unknown_transaction", stamp=item.stamp[:64])
            continue
        if payment.amount_minor != item.amount_minor:
            mismatched += 1
            _log.error(
                "settlement_amount_mismatch",
                payment=payment.name,
                expected=payment.amount_minor,
                received=item.amount_minor,
            )
            continue
        if payment.state is PaymentState.SETTLED:
            already += 1
            continue
        expected = payment.version
        confirmed_now = False
        if payment.state is PaymentState.PENDING:
            # The PSP paid the money out, so it was paid: the confirmation (callback) got
            # lost and the reconciler has not caught up. Confirm first, then settle.
            confirmed_now = (
                payment.apply_psp_status(PspStatus.OK, "", settled_at).outcome
                is StatusOutcome.SUCCEEDED
            )
        if payment.state is not PaymentState.SUCCEEDED:
            # Money for a payment we consider failed: customer service must look.
            mismatched += 1
            _log.error(
                "settlement_payment_not_succeeded", payment=payment.name, state=payment.state.value
            )
            continue
        payment.settle(settled_at)
        payment.version += 1
        # The caller's transaction holds the write lock (SQLite) or the row (PostgreSQL
        # re-checks the version): a lost race means another import settled it.
        if not await uow.payments.update(payment, expected):
            already += 1
            continue
        if confirmed_now:
            await uow.events.payment_succeeded(payment)
        await uow.events.payment_settled(payment)
        settled += 1
    if settled:
        _log.info("payments_settled", count=settled)
    return SettlementOutcome(settled, already, unknown, mismatched)
