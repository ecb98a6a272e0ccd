"""The PSP's settlement report (docs/payments.md): a UTF-8 JSON object of paid-out transactions.

``{"type": "psp-settlement-report", "version": 1, "settlementId", "merchant",
"settlementDate", "createdAt", "currency": "EUR", "items": [{"transactionId", "stamp",
"reference", "amount", "paidAt", "provider"}], "total"}``; ``total`` must equal the sum of
the item amounts (integer cents), or the report is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from ropo_payment.adapters.statements.model import (
    ParsedStatement,
    SettlementLine,
    StatementError,
    StatementKind,
    excerpt,
)

REPORT_TYPE: Final = "psp-settlement-report"
SUPPORTED_VERSIONS: Final = (1,)


def load_json_object(content: bytes) -> dict[str, Any] | None:
    """``content`` as a JSON object, or ``None`` when it is not one."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def is_psp_settlement_report(data: Mapping[str, Any]) -> bool:
    """True when the JSON object says it is a PSP settlement report."""
    return data.get("type") == REPORT_TYPE


def parse_psp_report(content: bytes) -> ParsedStatement:
    """The settled transactions of a report; ``StatementError`` when it is not a valid one."""
    data = load_json_object(content)
    if data is None:
        raise StatementError("document", "the file is not a JSON object")
    if not is_psp_settlement_report(data):
        raise StatementError(
            "type", "not a PSP settlement report (type must be psp-settlement-report)"
        )
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise StatementError("version", "unsupported settlement report version")
    if data.get("currency") != "EUR":
        raise StatementError("currency", "currency must be EUR")
    settlement_id = _text(data, "settlementId", "settlementId")
    created_at = _time(data.get("createdAt"), "createdAt")
    if created_at is None:
        raise StatementError("createdAt", "createdAt is missing")
    items = data.get("items")
    if not isinstance(items, list):
        raise StatementError("items", "items must be a list")
    lines = tuple(_line(item, index) for index, item in enumerate(items))
    total = _cents(data.get("total"), "total", allow_zero=True)
    counted = sum(line.amount_minor for line in lines)
    if total != counted:
        raise StatementError("total", f"total is {total} but the items add up to {counted}")
    transaction_ids = [line.transaction_id for line in lines]
    if len(set(transaction_ids)) != len(transaction_ids):
        raise StatementError("items", "a transaction appears twice in the report")
    return ParsedStatement(
        kind=StatementKind.PSP_SETTLEMENT_REPORT,
        statement_id=settlement_id,
        entries=(),
        settlements=lines,
        settled_at=created_at,
        total_minor=total,
        skipped_count=0,
    )


def _line(item: object, index: int) -> SettlementLine:
    where = f"items[{index}]"
    if not isinstance(item, dict):
        raise StatementError(where, f"{where} must be an object")
    reference = item.get("reference", "")
    if not isinstance(reference, str):
        raise StatementError(f"{where}.reference", f"{where}.reference must be text")
    return SettlementLine(
        transaction_id=_text(item, "transactionId", f"{where}.transactionId"),
        stamp=_text(item, "stamp", f"{where}.stamp"),
        reference=reference,
        amount_minor=_cents(item.get("amount"), f"{where}.amount", allow_zero=False),
        paid_at=_time(item.get("paidAt"), f"{where}.paidAt"),
    )


def _text(data: Mapping[str, Any], name: str, field: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise StatementError(field, f"{field} is missing")
    return value.strip()


def _cents(value: object, field: str, *, allow_zero: bool) -> int:
    # bool is an int in Python, and a float is never money: both are refused.
    if not isinstance(value, int) or isinstance(value, bool):
        raise StatementError(field, f"{field} must be a whole number of cents")
    if value < 0 or (value == 0 and not allow_zero):
        raise StatementError(field, f"{field} must be greater than zero")
    return value


def _time(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise StatementError(field, f"{field} must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise StatementError(field, f"{field} is not a time: {excerpt(value)!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
