"""Ropo One's view of the invoice service's messages: search rows, the case, its timeline.

Every amount comes from the invoice message (the service derives them from the
ledger); nothing is computed here. The debtor's identifier is shown only as
``DDMMYY-****`` for a person (whatever form the service sent, nothing beyond the
birth date survives this module) or as the business id for a company.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from google.type import date_pb2
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2
from ropo_platform.money import Money
from ropo_platform.money_proto import optional_money_from_proto
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus

from ropo_gateway.clients.payment_time import PaymentPlanView, plan_view
from ropo_gateway.ropo_one.access import INVOICES_PREFIX

DEFAULT_CURRENCY: Final = "EUR"
_BIRTH_DATE: Final = re.compile(r"^([0-9]{6})")

#: ``Debtor.kind`` as the page and the API name it.
CUSTOMER_TYPES: Final = {
    invoice_pb2.DEBTOR_KIND_PERSON: "PERSON",
    invoice_pb2.DEBTOR_KIND_ORGANIZATION: "ORGANIZATION",
}


def _date(message: date_pb2.Date) -> date | None:
    if not message.year or not message.month or not message.day:
        return None
    return date(message.year, message.month, message.day)


def _field_date(parent: Message, name: str) -> date | None:
    return _date(getattr(parent, name)) if parent.HasField(name) else None


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    stamp: timestamp_pb2.Timestamp = getattr(parent, name)
    return stamp.ToDatetime(tzinfo=UTC)


def _money(parent: Message, name: str, currency: str) -> Money:
    return optional_money_from_proto(parent, name) or Money.zero(currency)


def _currency(invoice: invoice_pb2.Invoice) -> str:
    for name in ("total_amount", "open_amount", "capital"):
        amount = optional_money_from_proto(invoice, name)
        if amount is not None:
            return amount.currency
    return DEFAULT_CURRENCY


def printed_myropo_id(myropo_id: str) -> str:
    """The MyRopo ID as printed on the letters, in groups of four: ``4KQ7-9XMP-2D3H``."""
    return "-".join(myropo_id[i : i + 4] for i in range(0, len(myropo_id), 4))


def invoice_id_of(name: str) -> str:
    """The id in ``invoices/{id}`` (for links to the case page)."""
    return name.removeprefix(INVOICES_PREFIX)


def state_name(invoice: invoice_pb2.Invoice) -> str:
    """``REMINDER``, ``PAID``, ... (the enum name without ``STATE_``)."""
    return invoice_pb2.Invoice.State.Name(invoice.state).removeprefix("STATE_")


def masked_identifier(debtor: invoice_pb2.Debtor) -> str:
    """``DDMMYY-****`` for a person, the business id for a company, else empty."""
    if debtor.kind == invoice_pb2.DEBTOR_KIND_PERSON:
        match = _BIRTH_DATE.match(debtor.masked_identifier)
        return f"{match.group(1)}-****" if match else ""
    if debtor.kind == invoice_pb2.DEBTOR_KIND_ORGANIZATION:
        try:
            return str(ytunnus.format(ytunnus.validate(debtor.masked_identifier)))
        except ValidationError:
            return ""
    return ""


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the search results."""

    name: str
    invoice_id: str
    case_number: str
    invoice_number: str
    creditor: str
    creditor_name: str
    debtor_name: str
    due_date: date | None
    open_amount: Money
    state: str
    display_status: str
    paid_in_myropo: bool


def row_from_invoice(invoice: invoice_pb2.Invoice) -> CaseRow:
    """A search result line (only what the table and the API list expose)."""
    return CaseRow(
        name=invoice.name,
        invoice_id=invoice_id_of(invoice.name),
        case_number=invoice.case_number,
        invoice_number=invoice.invoice_number,
        creditor=invoice.creditor,
        creditor_name=invoice.creditor_display_name,
        debtor_name=invoice.debtor.display_name,
        due_date=_field_date(invoice, "due_date"),
        open_amount=_money(invoice, "open_amount", _currency(invoice)),
        state=state_name(invoice),
        display_status=invoice.display_status,
        paid_in_myropo=invoice.paid_in_myropo,
    )


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One component of the ledger (capital, interest, a fee)."""

    type: str
    display_name: str
    amount: Money
    paid_amount: Money
    credited_amount: Money
    open_amount: Money
    charge_date: date | None


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One timeline entry, oldest first."""

    name: str
    type: str
    time: datetime | None
    title: str
    description: str
    amount: Money | None


@dataclass(frozen=True, slots=True)
class CaseView:
    """Everything the case page and the case API show."""

    name: str
    invoice_id: str
    case_number: str
    invoice_number: str
    reference: str
    myropo_id: str
    creditor: str
    creditor_name: str
    customer_type: str
    debtor_name: str
    debtor_identifier: str
    state: str
    display_status: str
    paid_in_myropo: bool
    capital: Money
    open_capital: Money
    open_amount: Money
    total_amount: Money
    issue_date: date | None
    original_due_date: date | None
    due_date: date | None
    create_time: datetime | None
    paid_time: datetime | None
    ledger: list[LedgerRow] = field(default_factory=list)
    timeline: list[TimelineRow] = field(default_factory=list)
    #: The invoice's payment plan (*Maksusuunnitelma*), if it has or had one.
    payment_plan: PaymentPlanView | None = None


def _ledger_row(component: invoice_pb2.LedgerComponent, currency: str) -> LedgerRow:
    return LedgerRow(
        type=invoice_pb2.LedgerComponentType.Name(component.type).removeprefix(
            "LEDGER_COMPONENT_TYPE_"
        ),
        display_name=component.display_name,
        amount=_money(component, "amount", currency),
        paid_amount=_money(component, "paid_amount", currency),
        credited_amount=_money(component, "credited_amount", currency),
        open_amount=_money(component, "open_amount", currency),
        charge_date=_field_date(component, "charge_date"),
    )


def timeline_row(event: invoice_event_pb2.InvoiceEvent) -> TimelineRow:
    """One timeline entry as shown (title and description come localised from the service)."""
    return TimelineRow(
        name=event.name,
        type=invoice_event_pb2.InvoiceEvent.Type.Name(event.type).removeprefix("TYPE_"),
        time=_time(event, "event_time"),
        title=event.title,
        description=event.description,
        amount=optional_money_from_proto(event, "amount"),
    )


def case_from_invoice(
    invoice: invoice_pb2.Invoice, events: list[invoice_event_pb2.InvoiceEvent]
) -> CaseView:
    """The case of ``invoice`` (full view) with its timeline."""
    currency = _currency(invoice)
    debtor = invoice.debtor
    return CaseView(
        name=invoice.name,
        invoice_id=invoice_id_of(invoice.name),
        case_number=invoice.case_number,
        invoice_number=invoice.invoice_number,
        reference=invoice.reference,
        myropo_id=invoice.myropo_id,
        creditor=invoice.creditor,
        creditor_name=invoice.creditor_display_name,
        customer_type=CUSTOMER_TYPES.get(debtor.kind, ""),
        debtor_name=debtor.display_name,
        debtor_identifier=masked_identifier(debtor),
        state=state_name(invoice),
        display_status=invoice.display_status,
        paid_in_myropo=invoice.paid_in_myropo,
        capital=_money(invoice, "capital", currency),
        open_capital=_money(invoice, "open_capital", currency),
        open_amount=_money(invoice, "open_amount", currency),
        total_amount=_money(invoice, "total_amount", currency),
        issue_date=_field_date(invoice, "issue_date"),
        original_due_date=_field_date(invoice, "original_due_date"),
        due_date=_field_date(invoice, "due_date"),
        create_time=_time(invoice, "create_time"),
        paid_time=_time(invoice, "paid_time"),
        ledger=[_ledger_row(component, currency) for component in invoice.ledger_components],
        timeline=[timeline_row(event) for event in events],
        payment_plan=plan_view(invoice.payment_plan) if invoice.HasField("payment_plan") else None,
    )
