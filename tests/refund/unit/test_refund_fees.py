"""The handling fee policy: per origin, never more than half the refund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from refund_support import eur
from ropo_platform.money import Money
from ropo_refund.domain.fees import FeePolicy
from ropo_refund.domain.refund_case import RefundOrigin


@pytest.mark.parametrize(
    ("origin", "refundable", "fee"),
    [
        (RefundOrigin.OVERPAYMENT, "50.00", "5.00"),
        (RefundOrigin.UNCLEAR_PAYMENT, "50.00", "5.00"),
        (RefundOrigin.CREDIT_NOTE, "50.00", "0.00"),
        (RefundOrigin.OVERPAYMENT, "10.00", "5.00"),
        (RefundOrigin.OVERPAYMENT, "8.00", "4.00"),
        (RefundOrigin.OVERPAYMENT, "0.03", "0.01"),
        (RefundOrigin.OVERPAYMENT, "0.01", "0.00"),
    ],
)
def test_default_fees(origin: RefundOrigin, refundable: str, fee: str) -> None:
    assert FeePolicy().handling_fee(origin, eur(refundable)) == eur(fee)


def test_configured_fees_and_no_negative_fee() -> None:
    policy = FeePolicy(credit_note=Decimal("2.50"))
    assert policy.handling_fee(RefundOrigin.CREDIT_NOTE, eur("100.00")) == eur("2.50")
    with pytest.raises(ValueError):
        FeePolicy(overpayment=Decimal("-1"))


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=0, max_value=10**5),
    st.sampled_from(list(RefundOrigin)),
)
def test_the_fee_never_takes_more_than_half(
    cents: int, fee_cents: int, origin: RefundOrigin
) -> None:
    refundable = Money.from_minor_units(cents, "EUR")
    fee_amount = Money.from_minor_units(fee_cents, "EUR").amount
    policy = FeePolicy(fee_amount, fee_amount, fee_amount)
    fee = policy.handling_fee(origin, refundable)
    assert Money.zero("EUR") <= fee <= Money.from_minor_units(fee_cents, "EUR")
    assert fee.minor_units * 2 <= cents
    payout = refundable - fee
    assert payout.minor_units >= fee.minor_units
    assert fee.minor_units == min(fee_cents, cents // 2)
