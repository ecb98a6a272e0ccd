"""Lookup grants: time-limited view-and-pay access to one invoice after a successful
*Hae lasku* (invoice details or MyRopo ID matched).

A repeated lookup of the same invoice by the same person extends the grant still in
force rather than stacking new ones, so a person holds at most one per invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

LOOKUP_GRANTS = "lookupGrants/"


@dataclass(frozen=True, slots=True)
class LookupGrant:
    id: str
    subject: str  # persons/{key}
    invoice: str  # invoices/{invoice}
    create_time: datetime
    expire_time: datetime

    @property
    def name(self) -> str:
        return f"{LOOKUP_GRANTS}{self.id}"

    def in_force(self, now: datetime) -> bool:
        return now < self.expire_time


def grant_or_extend(
    existing: LookupGrant | None,
    *,
    grant_id: str,
    subject: str,
    invoice: str,
    now: datetime,
    duration: timedelta,
) -> LookupGrant:
    """The grant still in force with its end moved to ``now + duration``, or a new one."""
    if existing is not None and existing.in_force(now):
        return replace(existing, expire_time=max(existing.expire_time, now + duration))
    return LookupGrant(grant_id, subject, invoice, now, now + duration)
