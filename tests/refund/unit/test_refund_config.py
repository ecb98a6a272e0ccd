"""Refund settings: the contract's defaults, and a bad debtor account stops the service
at start with a clear message."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from ropo_platform.config import Environment, load_settings
from ropo_refund.config import RefundSettings


def test_defaults() -> None:
    settings = RefundSettings(environment=Environment.TEST)
    assert settings.grpc_port == 50054
    assert (settings.payout_debtor_name, settings.payout_debtor_iban) == (
        "Ropo Capital Oy",
        "FI4250001510000023",
    )
    assert settings.payout_debtor_bic == "" and settings.payout_xsd is None
    assert (settings.fee_overpayment, settings.fee_unclear_payment, settings.fee_credit_note) == (
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    assert settings.verification_ttl_seconds == 3600
    assert settings.portal_url == "http://localhost:8080"
    assert settings.relay_poll_seconds == 0.05


def test_the_debtor_iban_is_compacted() -> None:
    settings = RefundSettings(
        environment=Environment.TEST, payout_debtor_iban="fi42 5000 1510 0000 23"
    )
    assert settings.payout_debtor_iban == "FI4250001510000023"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("payout_debtor_iban", "FI4250001510000024", "check digits"),
        ("payout_debtor_iban", "BR1500000000000010932840814P2", "SEPA"),
        ("payout_debtor_bic", "NOPE", "BIC"),
        ("payout_xsd_path", "/no/such/schema.xsd", "not a file"),
        ("fee_overpayment", "-1", "greater than or equal"),
        ("portal_url", "myropo.example", "absolute"),
    ],
)
def test_bad_settings_are_refused(field: str, value: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        values: dict[str, Any] = {"environment": Environment.TEST, field: value}
        RefundSettings(**values)


def test_a_bad_debtor_iban_exits_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_REFUND_PAYOUT_DEBTOR_IBAN", "FI4250001510000024")
    err = io.StringIO()
    with pytest.raises(SystemExit) as raised:
        load_settings(RefundSettings, stderr=err)
    assert raised.value.code == 2
    assert "ROPO_REFUND_PAYOUT_DEBTOR_IBAN: is not a valid SEPA IBAN" in err.getvalue()
