"""Settling PSP payments inside the statement import's transaction.

The import of a PSP settlement report runs in one database transaction with its
statement row; the settlement rule (``service_layer.settlement.settle``) joins that
transaction through a unit of work bound to the same session, so the report, the
settled payments and their ``payment_settled`` events commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.adapters.unit_of_work import JoinedUnitOfWork
from ropo_payment.service_layer.settlement import SettlementItem, SettlementOutcome, settle


async def settle_payments(
    session: AsyncSession, items: Sequence[SettlementItem], settled_at: datetime
) -> SettlementOutcome:
    """Settle the report's payments in the caller's transaction (``session``; no commit)."""
    async with JoinedUnitOfWork(session) as uow:
        outcome = await settle(uow, items, settled_at)
        await uow.commit()
    return outcome
