"""The payment methods the hosted page offers, and the amount as the page shows it."""

from __future__ import annotations

from dataclasses import dataclass

from ropo_sandbox.psp.store import Outcome


@dataclass(frozen=True, slots=True)
class Provider:
    """One button of the hosted page: its provider id, label and what it does."""

    id: str
    name: str
    outcome: Outcome


BANKS = (
    Provider("nordea", "Nordea", Outcome.SUCCESS),
    Provider("op", "OP", Outcome.SUCCESS),
    Provider("danske", "Danske Bank", Outcome.SUCCESS),
)
#: Walley's anti-fraud check is the real-world source of ``pending`` (protocol §8).
PENDING = Provider("walley", "Odottava maksu (pending)", Outcome.PENDING)
#: Cancelling on the PSP's own page: no bank was involved, so the PSP is the provider.
CANCEL = Provider("paytrail", "Peruuta maksu", Outcome.CANCEL)
ALL = (*BANKS, PENDING, CANCEL)
KNOWN_IDS = frozenset(provider.id for provider in ALL)


def format_euros(cents: int) -> str:
    """Finnish display of integer cents, e.g. ``1 696,32 €`` (U+00A0 spaces, as Money.format)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\xa0")
    return f"{sign}{grouped},{rest:02d}\xa0€"
