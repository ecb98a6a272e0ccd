"""The sandbox bank's status report read by the refund service's own pain.002 reader.

Tests may import both packages; the sandbox package itself never imports ``ropo_refund``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ropo_platform.money import Money
from ropo_refund.adapters.pain001 import DebtorAccount, PayoutInstruction, build_pain001
from ropo_refund.adapters.pain002 import TransactionOutcome, parse_pain002
from ropo_sandbox.bank.payouts import InvalidPayoutFile
from ropo_sandbox.bank.status import status_report
from sandbox_support import REPO_ROOT

MESSAGE_ID = "ROPO5c0ffee5c0ffee5c0ffee5c0ffee"
END_TO_END_IDS = ("9123456785-0", "9123456793-1", "9123456801-0")


def payout_file() -> bytes:
    return build_pain001(
        message_id=MESSAGE_ID,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        execution_date=date(2026, 3, 3),
        debtor=DebtorAccount("Ropo Capital Oy", "FI4250001510000023", ""),
        instructions=[
            PayoutInstruction(
                end_to_end_id=end_to_end_id,
                amount=Money.eur(amount),
                creditor_name="Maija Meikäläinen",
                creditor_iban="FI2112345600000785",
                creditor_bic="",
                remittance=f"Palautus {end_to_end_id[:10]}",
            )
            for end_to_end_id, amount in zip(
                END_TO_END_IDS, ("0.01", "1234.56", "5.00"), strict=True
            )
        ],
    )


def test_round_trip_pays_and_rejects_as_the_bank_says() -> None:
    report = parse_pain002(status_report(payout_file(), {END_TO_END_IDS[1]: "AC04"}))
    assert report.original_message_id == MESSAGE_ID
    assert report.message_id.startswith("STS")
    assert len(report.message_id) <= 35
    assert report.group_outcome is TransactionOutcome.PENDING  # PART: some of each
    paid, rejected, also_paid = (report.outcome_for(e2e) for e2e in END_TO_END_IDS)
    assert paid is not None and also_paid is not None and rejected is not None
    assert paid.outcome is also_paid.outcome is TransactionOutcome.PAID
    assert rejected.outcome is TransactionOutcome.REJECTED
    assert (rejected.reason_code, rejected.reason_text) == ("AC04", "Closed account number")
    assert report.outcome_for("9999999999-0") is None


def test_round_trip_without_rejections_pays_the_whole_file() -> None:
    report = parse_pain002(status_report(payout_file()))
    assert report.group_outcome is TransactionOutcome.PAID
    assert {t.end_to_end_id for t in report.transactions} == set(END_TO_END_IDS)
    assert {t.outcome for t in report.transactions} == {TransactionOutcome.PAID}


def test_round_trip_rejecting_everything_rejects_the_group() -> None:
    rejected = dict.fromkeys(END_TO_END_IDS, "MS03")
    report = parse_pain002(status_report(payout_file(), rejected))
    assert report.group_outcome is TransactionOutcome.REJECTED
    assert {(t.outcome, t.reason_code) for t in report.transactions} == {
        (TransactionOutcome.REJECTED, "MS03")
    }


def test_rejections_of_other_files_do_not_matter() -> None:
    assert status_report(payout_file(), {"OTHER-1": "AC01"}) == status_report(payout_file())


def test_the_report_is_deterministic_and_dated_as_asked() -> None:
    created_at = datetime(2026, 3, 4, 8, 15, tzinfo=UTC)
    first = status_report(payout_file(), {END_TO_END_IDS[0]: "AC01"}, created_at=created_at)
    assert first == status_report(payout_file(), {END_TO_END_IDS[0]: "AC01"}, created_at=created_at)
    assert b"<CreDtTm>2026-03-04T08:15:00+00:00</CreDtTm>" in first
    other_answer = status_report(payout_file(), {END_TO_END_IDS[0]: "AC04"}, created_at=created_at)
    assert parse_pain002(first).message_id != parse_pain002(other_answer).message_id


def test_an_unsafe_payout_file_gets_no_report() -> None:
    with pytest.raises(InvalidPayoutFile, match="DOCTYPE"):
        status_report(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d>&x;</d>')


def test_the_sandbox_never_imports_the_refund_service() -> None:
    sources = (REPO_ROOT / "sandbox" / "src" / "ropo_sandbox").rglob("*.py")
    offenders = [path.name for path in sources if "ropo_refund" in Path(path).read_text()]
    assert offenders == []
