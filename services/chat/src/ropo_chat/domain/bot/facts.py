"""What the bot may know about a logged-in person: their invoices, as the service layer reads
them from the invoice service. Plain values; the bot never fetches anything itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ropo_platform.money import Money


@dataclass(frozen=True, slots=True)
class InvoiceFact:
    """One invoice the person may act on. ``extension_possible`` and ``plan_possible`` are
    ``None`` when the invoice service did not say (the answer then points to the invoice page)."""

    invoice_id: str
    invoice_number: str
    creditor_name: str
    open_amount: Money
    due_date: date
    extension_possible: bool | None = None
    plan_possible: bool | None = None

    @property
    def is_open(self) -> bool:
        return self.open_amount.amount > 0


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """The person's invoices (any order; answers sort them by due date)."""

    invoices: tuple[InvoiceFact, ...] = ()

    def open_invoices(self) -> tuple[InvoiceFact, ...]:
        return tuple(
            sorted(
                (invoice for invoice in self.invoices if invoice.is_open),
                key=lambda invoice: (invoice.due_date, invoice.invoice_number, invoice.invoice_id),
            )
        )
