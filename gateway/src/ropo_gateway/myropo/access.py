"""Which invoices a MyRopo customer may see (DESIGN §8).

A person sees an invoice as its debtor or an authorized person (the authorization
service decides) or because they found it with *Hae lasku* in this session (a
lookup grant, ``myropo.grants``). Anything else is treated exactly like an invoice
that does not exist: the caller answers 404 with the same body either way.
"""

from __future__ import annotations

import re
from typing import Final

from ropo_gateway.clients.invoices import MAX_NAMES_PER_REQUEST
from ropo_gateway.myropo.grants import GrantHolder, LookupGrants
from ropo_gateway.myropo.ports import AccessSource

#: The invoice service's id grammar; anything else cannot name an invoice.
_INVOICE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
LOOKUP_REASON: Final = "LOOKUP"


def is_invoice_id(value: str) -> bool:
    """True when ``value`` has the shape of an invoice id (checked before any call)."""
    return bool(_INVOICE_ID.match(value))


class InvoiceAccessPolicy:
    """Combines the authorization service's answer with the session's lookup grants."""

    def __init__(self, access: AccessSource, grants: LookupGrants) -> None:
        self._access = access
        self._grants = grants

    async def visible_invoices(self, holder: GrantHolder, limit: int) -> dict[str, str]:
        """Invoice name → why the person sees it, at most ``min(limit, 1000)`` names
        (one ListInvoices request carries no more). Relations from the authorization
        service come first; lookup grants fill the rest."""
        limit = min(limit, MAX_NAMES_PER_REQUEST)
        visible = {
            entry.invoice: entry.reason
            for entry in await self._access.accessible_invoices(holder.subject, limit)
        }
        if len(visible) < limit:
            for name in await self._grants.invoices(holder, limit):
                if len(visible) >= limit:
                    break
                visible.setdefault(name, LOOKUP_REASON)
        return visible

    async def reason_to_view(self, holder: GrantHolder, invoice: str) -> str | None:
        """Why the person may view ``invoice`` (``OWN``, ``AUTHORIZED``, ``LOOKUP``, ...),
        or ``None`` when they may not (including when it does not exist)."""
        decision = await self._access.check_access(holder.subject, invoice)
        if decision.allowed:
            return decision.reason or "ALLOWED"
        if await self._grants.holds(holder, invoice):
            return LOOKUP_REASON
        return None
