"""Settlement reports (format: docs/payments.md): every paid, unsettled transaction, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ropo_sandbox.psp.store import PaymentStore
from ropo_sandbox.psp.timestamps import iso_utc

REPORT_TYPE = "psp-settlement-report"
REPORT_VERSION = 1


def settle(store: PaymentStore, merchant: str) -> dict[str, Any]:
    """Settle every ``ok`` transaction not settled before; store and return the report."""
    now = store.clock()
    settlement_id = str(uuid.uuid4())
    transactions = store.unsettled_paid()
    items = []
    for transaction in transactions:
        transaction.settlement_id = settlement_id
        items.append(
            {
                "transactionId": transaction.transaction_id,
                "stamp": transaction.order.stamp,
                "reference": transaction.order.reference,
                "amount": transaction.order.amount,
                "paidAt": iso_utc(transaction.paid_at) if transaction.paid_at is not None else None,
                "provider": transaction.provider,
            }
        )
    report: dict[str, Any] = {
        "type": REPORT_TYPE,
        "version": REPORT_VERSION,
        "settlementId": settlement_id,
        "merchant": merchant,
        "settlementDate": datetime.fromtimestamp(now, UTC).date().isoformat(),
        "createdAt": iso_utc(now),
        "currency": "EUR",
        "items": items,
        "total": sum(transaction.order.amount for transaction in transactions),
    }
    store.settlements[settlement_id] = report
    return report
