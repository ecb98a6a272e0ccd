"""Lookup grants: the invoices a person found with *Hae lasku* in this session.

DESIGN §8 puts lookup grants in the authorization service (``GrantLookupAccess``,
after which ``ListAccessibleInvoices`` and ``CheckAccess`` answer them with reason
``LOOKUP``). Until that RPC exists the gateway keeps them itself, in its own
database next to the session (``storage.lookup_store``), and they end with the
session. Everything else talks to this small interface only, so moving the grants
to the authorization service means one new implementation and no route changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class GrantHolder:
    """Who holds a grant: the session (storage key of its id) and its person."""

    session_key: str
    subject: str


class LookupGrants(Protocol):
    """Where the lookup grants of a person live."""

    async def grant(self, holder: GrantHolder, invoice: str) -> None:
        """Record that ``holder`` found ``invoice`` (idempotent)."""
        ...

    async def invoices(self, holder: GrantHolder, limit: int) -> list[str]:
        """The invoices ``holder`` found, most recent first, at most ``limit``."""
        ...

    async def holds(self, holder: GrantHolder, invoice: str) -> bool:
        """True when ``holder`` found ``invoice``."""
        ...
