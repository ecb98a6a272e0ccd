"""Domain events: facts the invoice aggregate records while it changes.

Plain dataclasses, private to this service. The unit of work collects them on
commit and the service layer translates each into an integration event (a proto
message of ``ropo.invoice.v1``) written to the outbox in the same transaction.
They never carry a henkilötunnus: a person is only their party name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ropo_platform.money import Money

from ropo_invoice.domain.party import DebtorKind
from ropo_invoice.domain.stage import Stage


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of domain events: every event is about one invoice at one instant."""

    invoice_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceRegistered(Event):
    """A new invoice was imported."""

    creditor_id: str
    debtor_party: str
    debtor_kind: DebtorKind
    invoice_number: str
    reference: str
    case_number: str
    due_date: date
    total_amount: Money
    stage: Stage
