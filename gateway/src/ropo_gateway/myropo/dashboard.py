"""The MyRopo first page as data: which invoices a person sees, split into Laskut and Arkisto.

Visibility comes from the authorization service only (ListAccessibleInvoices);
the invoice service is then asked for exactly those names. Open invoices are
listed by due date, earliest first (what to pay next); the archive latest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Protocol

from google.type import date_pb2
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.money import Money
from ropo_platform.money_proto import optional_money_from_proto

from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.authorization import InvoiceAccess

# Final stages: nothing is open any more, so the invoice belongs to the archive.
ARCHIVED_STATES: Final = frozenset(
    {
        invoice_pb2.Invoice.STATE_PAID,
        invoice_pb2.Invoice.STATE_CREDITED,
        invoice_pb2.Invoice.STATE_CANCELLED,
    }
)
DEFAULT_CURRENCY: Final = "EUR"


class AccessSource(Protocol):
    """Who may see what (``AuthorizationClient``)."""

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]: ...


class InvoiceSource(Protocol):
    """Invoices by name (``InvoiceClient``)."""

    async def invoices_by_name(
        self, names: Sequence[str], language_code: str
    ) -> list[invoice_pb2.Invoice]: ...


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One line of *Laskut* or *Arkisto*."""

    name: str
    invoice_number: str
    creditor: str
    due_date: date | None
    open_amount: Money
    total_amount: Money
    state: str
    display_status: str
    paid_in_myropo: bool
    reference: str
    access: str
    #: True in a final stage (paid, credited, cancelled): listed under *Arkisto*.
    archived: bool

    def to_json(self) -> dict[str, Any]:
        """API form: amounts as exact decimal strings with currency, dates ISO 8601."""
        return {
            "name": self.name,
            "invoice_number": self.invoice_number,
            "creditor": self.creditor,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "open_amount": _money_json(self.open_amount),
            "total_amount": _money_json(self.total_amount),
            "state": self.state,
            "display_status": self.display_status,
            "paid_in_myropo": self.paid_in_myropo,
            "reference": self.reference,
            "access": self.access,
        }


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the first page shows."""

    identity: Identity
    invoices: list[InvoiceRow]
    archive: list[InvoiceRow]

    def to_json(self) -> dict[str, Any]:
        return {
            "person": {
                "name": self.identity.display_name,
                "masked_id": self.identity.masked_id,
            },
            "invoices": [row.to_json() for row in self.invoices],
            "archive": [row.to_json() for row in self.archive],
        }


def _money_json(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def _date(message: date_pb2.Date) -> date | None:
    if not message.year or not message.month or not message.day:
        return None
    return date(message.year, message.month, message.day)


def _money(invoice: invoice_pb2.Invoice, field_name: str, currency: str) -> Money:
    return optional_money_from_proto(invoice, field_name) or Money.zero(currency)


def row_from_invoice(invoice: invoice_pb2.Invoice, access: str) -> InvoiceRow:
    """Map the wire message to a row (only the fields the page and the API expose)."""
    total = optional_money_from_proto(invoice, "total_amount")
    currency = total.currency if total else DEFAULT_CURRENCY
    return InvoiceRow(
        name=invoice.name,
        invoice_number=invoice.invoice_number,
        creditor=invoice.creditor_display_name,
        due_date=_date(invoice.due_date) if invoice.HasField("due_date") else None,
        open_amount=_money(invoice, "open_amount", currency),
        total_amount=total or Money.zero(currency),
        state=invoice_pb2.Invoice.State.Name(invoice.state).removeprefix("STATE_"),
        display_status=invoice.display_status,
        paid_in_myropo=invoice.paid_in_myropo,
        reference=invoice.reference,
        access=access,
        archived=invoice.state in ARCHIVED_STATES,
    )


def _due_key(row: InvoiceRow) -> tuple[date, str]:
    return (row.due_date or date.max, row.name)


async def load_dashboard(
    identity: Identity,
    authorization: AccessSource,
    invoices: InvoiceSource,
    *,
    language: str,
    limit: int,
) -> Dashboard:
    """Ask authorization what the person may see, then the invoice service for those invoices."""
    accessible = await authorization.accessible_invoices(identity.subject, limit)
    access_by_name = {entry.invoice: entry.reason for entry in accessible}
    found = await invoices.invoices_by_name(list(access_by_name), language) if accessible else []
    rows = [
        row_from_invoice(invoice, access_by_name[invoice.name])
        for invoice in found
        # Defence in depth: never show a name we did not ask for.
        if invoice.name in access_by_name
    ]
    open_rows = sorted((row for row in rows if not row.archived), key=_due_key)
    archived = sorted((row for row in rows if row.archived), key=_due_key, reverse=True)
    return Dashboard(identity=identity, invoices=open_rows, archive=archived)
