"""The handling fee kept from a refund, by where the money came from.

The fee never takes more than half of the refund (rounded down to the cent), so a
small refund is never eaten by it. It is fixed when the case opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from ropo_platform.money import Money

from ropo_refund.domain.refund_case import RefundOrigin

CURRENCY = "EUR"


@dataclass(frozen=True, slots=True)
class FeePolicy:
    """Fees in euros per origin (configuration, ``ROPO_REFUND_FEE_*``)."""

    overpayment: Decimal = Decimal("5.00")
    unclear_payment: Decimal = Decimal("5.00")
    credit_note: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        for fee in (self.overpayment, self.unclear_payment, self.credit_note):
            if fee < 0:
                raise ValueError("a handling fee cannot be negative")

    def base_fee(self, origin: RefundOrigin) -> Money:
        amounts = {
            RefundOrigin.OVERPAYMENT: self.overpayment,
            RefundOrigin.UNCLEAR_PAYMENT: self.unclear_payment,
            RefundOrigin.CREDIT_NOTE: self.credit_note,
        }
        return Money(amounts[origin], CURRENCY)

    def handling_fee(self, origin: RefundOrigin, refundable: Money) -> Money:
        """The fee for a refund of ``refundable``: the origin's fee, capped at half."""
        cap = refundable.multiply(Decimal("0.5"), rounding=ROUND_DOWN)
        return min(self.base_fee(origin), cap)
