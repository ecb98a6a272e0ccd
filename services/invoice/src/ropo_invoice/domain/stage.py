"""Stages of an invoice in the collection process (DESIGN §5) and their display texts.

``INVOICE`` → ``REMINDER`` → ``COLLECTION`` → ``PAYMENT_MONITORING`` (after a court
judgment); ends ``PAID``, ``CREDITED``, ``CANCELLED``; ``DISPUTED`` puts collection
on hold and returns to an active stage when resolved. The transition table is
data so that the stage machine can be tested and extended in one place.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from ropo_invoice.domain.party import Language


class Stage(StrEnum):
    """Where the invoice is in the process."""

    INVOICE = "invoice"
    REMINDER = "reminder"
    COLLECTION = "collection"
    PAYMENT_MONITORING = "payment_monitoring"
    PAID = "paid"
    CREDITED = "credited"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"

    @property
    def is_final(self) -> bool:
        """True for the end stages: nothing moves an invoice out of them."""
        return self in FINAL_STAGES

    def can_move_to(self, target: Stage) -> bool:
        """True when the stage machine allows ``self → target``."""
        return target in ALLOWED_TRANSITIONS[self]


FINAL_STAGES = frozenset({Stage.PAID, Stage.CREDITED, Stage.CANCELLED})
ACTIVE_STAGES = (Stage.INVOICE, Stage.REMINDER, Stage.COLLECTION, Stage.PAYMENT_MONITORING)
_ENDINGS = frozenset({Stage.PAID, Stage.CREDITED, Stage.CANCELLED})

ALLOWED_TRANSITIONS: MappingProxyType[Stage, frozenset[Stage]] = MappingProxyType(
    {
        # A creditor may skip the reminder (companies), so INVOICE → COLLECTION is allowed.
        Stage.INVOICE: frozenset({Stage.REMINDER, Stage.COLLECTION, Stage.DISPUTED}) | _ENDINGS,
        Stage.REMINDER: frozenset({Stage.COLLECTION, Stage.DISPUTED}) | _ENDINGS,
        Stage.COLLECTION: frozenset({Stage.PAYMENT_MONITORING, Stage.DISPUTED}) | _ENDINGS,
        Stage.PAYMENT_MONITORING: frozenset({Stage.DISPUTED}) | _ENDINGS,
        # A resolved dispute returns to where collection stood (any active stage).
        Stage.DISPUTED: frozenset(ACTIVE_STAGES) | _ENDINGS,
        Stage.PAID: frozenset(),
        Stage.CREDITED: frozenset(),
        Stage.CANCELLED: frozenset(),
    }
)

_STAGE_TEXTS: MappingProxyType[Stage, dict[Language, str]] = MappingProxyType(
    {
        Stage.INVOICE: {Language.FI: "Lasku", Language.SV: "Faktura", Language.EN: "Invoice"},
        Stage.REMINDER: {
            Language.FI: "Maksumuistutus",
            Language.SV: "Betalningspåminnelse",
            Language.EN: "Payment reminder",
        },
        Stage.COLLECTION: {
            Language.FI: "Perintä",
            Language.SV: "Indrivning",
            Language.EN: "Debt collection",
        },
        Stage.PAYMENT_MONITORING: {
            Language.FI: "Maksuvalvonta",
            Language.SV: "Betalningsövervakning",
            Language.EN: "Payment monitoring",
        },
        Stage.PAID: {Language.FI: "Maksettu", Language.SV: "Betald", Language.EN: "Paid"},
        Stage.CREDITED: {
            Language.FI: "Hyvitetty",
            Language.SV: "Krediterad",
            Language.EN: "Credited",
        },
        Stage.CANCELLED: {
            Language.FI: "Peruttu",
            Language.SV: "Annullerad",
            Language.EN: "Cancelled",
        },
        Stage.DISPUTED: {
            Language.FI: "Riitautettu",
            Language.SV: "Bestridd",
            Language.EN: "Disputed",
        },
    }
)

_PAID_IN_MYROPO = {
    Language.FI: "Maksettu MyRopossa",
    Language.SV: "Betald i MyRopo",
    Language.EN: "Paid in MyRopo",
}


def display_status(stage: Stage, paid_in_myropo: bool, language: Language) -> str:
    """Status text for people (*Laskun tila*, *Tehtävän tila*).

    A payment confirmed by the PSP but not settled yet shows *Maksettu MyRopossa*
    in every active stage, so the person does not pay twice.
    """
    if paid_in_myropo and not stage.is_final:
        return _PAID_IN_MYROPO[language]
    return _STAGE_TEXTS[stage][language]
