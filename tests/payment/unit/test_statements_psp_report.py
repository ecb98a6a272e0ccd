"""PSP settlement reports (format: docs/payments.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ropo_payment.adapters.statements import (
    SettlementLine,
    StatementError,
    StatementKind,
    parse_statement,
)
from statement_builders import psp_report


def item(amount: Any = 1525, **changes: Any) -> dict[str, Any]:
    line = {
        "transactionId": "0b9c1d5e-5b7f-4d8e-9d7a-1c2b3a4d5e6f",
        "stamp": "intent-1",
        "reference": "13013",
        "amount": amount,
        "paidAt": "2026-11-27T09:59:00.000Z",
        "provider": "nordea",
    }
    line.update(changes)
    return line


def test_a_report_gives_its_settled_transactions() -> None:
    parsed = parse_statement(psp_report())

    assert parsed.kind is StatementKind.PSP_SETTLEMENT_REPORT
    assert parsed.statement_id == "6f1e2d3c-4b5a-4968-8776-655443322110"
    assert parsed.settled_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert parsed.settlements == (
        SettlementLine(
            transaction_id="0b9c1d5e-5b7f-4d8e-9d7a-1c2b3a4d5e6f",
            stamp="intent-1",
            reference="13013",
            amount_minor=1525,
            paid_at=datetime(2026, 11, 27, 9, 59, tzinfo=UTC),
        ),
    )
    assert (parsed.total_minor, parsed.entries, parsed.skipped_count) == (1525, (), 0)


def test_an_empty_report_is_valid() -> None:
    parsed = parse_statement(psp_report([]))

    assert (parsed.settlements, parsed.total_minor) == ((), 0)


def test_a_missing_paid_at_is_allowed() -> None:
    parsed = parse_statement(psp_report([item(paidAt=None)]))

    assert parsed.settlements[0].paid_at is None


def test_a_total_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(StatementError, match="total is 1526 but the items add up to 1525"):
        parse_statement(psp_report(total=1526))


@pytest.mark.parametrize("amount", [15.25, "1525", True, 0, -1, None])
def test_an_amount_that_is_not_whole_positive_cents_is_refused(amount: Any) -> None:
    with pytest.raises(StatementError, match=r"items\[0\]\.amount"):
        parse_statement(psp_report([item(amount)], total=1525))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 2}, "version"),
        ({"currency": "SEK"}, "currency"),
        ({"settlementId": ""}, "settlementId"),
        ({"createdAt": "yesterday"}, "createdAt"),
        ({"items": {}}, "items"),
    ],
)
def test_a_malformed_report_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_statement(psp_report(**changes))


def test_a_transaction_listed_twice_is_refused() -> None:
    with pytest.raises(StatementError, match="twice"):
        parse_statement(psp_report([item(), item(stamp="other")]))


def test_a_missing_transaction_id_is_refused() -> None:
    with pytest.raises(StatementError, match=r"items\[0\]\.transactionId"):
        parse_statement(psp_report([item(transactionId="")]))


def test_json_of_another_type_is_refused_when_forced() -> None:
    with pytest.raises(StatementError, match="not a PSP settlement report"):
        parse_statement(psp_report(type="invoice"), StatementKind.PSP_SETTLEMENT_REPORT)
