"""What MyRopo shows of an invoice, mapped once from the wire messages.

The pages and the JSON API both render these; neither reads protobuf messages
directly. Amounts stay ``Money`` (exact); identifiers keep their machine form
with a printed form beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from google.type import date_pb2
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2
from ropo_platform.money import Money
from ropo_platform.money_proto import optional_money_from_proto

from ropo_gateway.clients.payment_time import PaymentPlanView, plan_view
from ropo_gateway.myropo.formatting import printed_case_number, printed_iban, printed_reference

INVOICES_PREFIX: Final = "invoices/"
DEFAULT_CURRENCY: Final = "EUR"
# Final stages: nothing is open any more, so the invoice belongs to the archive.
ARCHIVED_STATES: Final = frozenset(
    {
        invoice_pb2.Invoice.STATE_PAID,
        invoice_pb2.Invoice.STATE_CREDITED,
        invoice_pb2.Invoice.STATE_CANCELLED,
    }
)


def invoice_id(name: str) -> str:
    """``invoices/{id}`` → ``{id}`` (the opaque id used in URLs)."""
    return name.removeprefix(INVOICES_PREFIX)


def invoice_name(invoice_id: str) -> str:
    """``{id}`` → ``invoices/{id}``."""
    return f"{INVOICES_PREFIX}{invoice_id}"


def _date(message: date_pb2.Date) -> date | None:
    if not message.year or not message.month or not message.day:
        return None
    return date(message.year, message.month, message.day)


def _optional_date(parent: object, field_name: str) -> date | None:
    has_field = getattr(parent, "HasField", None)
    if has_field is None or not has_field(field_name):
        return None
    message: date_pb2.Date = getattr(parent, field_name)
    return _date(message)


def _money(parent: object, field_name: str, currency: str) -> Money:
    return optional_money_from_proto(parent, field_name) or Money.zero(currency)


def _state_name(state: int) -> str:
    return invoice_pb2.Invoice.State.Name(state).removeprefix("STATE_")  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One line of *Laskut* or *Arkisto* (and the answer of a lookup)."""

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

    @property
    def id(self) -> str:
        return invoice_id(self.name)

    @property
    def reference_printed(self) -> str:
        return printed_reference(self.reference)

    @property
    def status_text(self) -> str:
        """What *Tila* shows: the service's localised text, the state name as a fallback."""
        return self.display_status or self.state


def row_from_invoice(invoice: invoice_pb2.Invoice, access: str) -> InvoiceRow:
    """Map the wire message to a row (only the fields the list and the API expose)."""
    total = optional_money_from_proto(invoice, "total_amount")
    currency = total.currency if total else DEFAULT_CURRENCY
    return InvoiceRow(
        name=invoice.name,
        invoice_number=invoice.invoice_number,
        creditor=invoice.creditor_display_name,
        due_date=_optional_date(invoice, "due_date"),
        open_amount=_money(invoice, "open_amount", currency),
        total_amount=total or Money.zero(currency),
        state=_state_name(invoice.state),
        display_status=invoice.display_status,
        paid_in_myropo=invoice.paid_in_myropo,
        reference=invoice.reference,
        access=access,
        archived=invoice.state in ARCHIVED_STATES,
    )


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger component: the capital, the interest or one fee."""

    type: str
    label: str
    amount: Money
    paid_amount: Money
    credited_amount: Money
    open_amount: Money
    charge_date: date | None


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    """One row of the original invoice."""

    description: str
    quantity: str
    unit: str
    unit_price: Money | None
    vat_rate_percent: str
    net_amount: Money | None
    vat_amount: Money | None
    gross_amount: Money | None


@dataclass(frozen=True, slots=True)
class InvoiceDetail:
    """Everything the invoice page shows besides the timeline."""

    row: InvoiceRow
    case_number: str
    issue_date: date | None
    original_due_date: date | None
    capital: Money
    open_capital: Money
    ledger: list[LedgerLine]
    lines: list[InvoiceLineView]
    virtual_bank_barcode: str
    payee_iban: str
    payee_bic: str
    has_original_document: bool
    #: The debtor by pseudonym (``persons/{key}``): for the audit log, never shown.
    debtor_party: str = ""
    #: The invoice's payment plan (*Maksusuunnitelma*), if it has or had one.
    payment_plan: PaymentPlanView | None = None

    @property
    def case_number_printed(self) -> str:
        return printed_case_number(self.case_number)

    @property
    def payee_iban_printed(self) -> str:
        return printed_iban(self.payee_iban)


def _component_type(value: int) -> str:
    return invoice_pb2.LedgerComponentType.Name(value).removeprefix(  # type: ignore[arg-type]
        "LEDGER_COMPONENT_TYPE_"
    )


def detail_from_invoice(invoice: invoice_pb2.Invoice, access: str) -> InvoiceDetail:
    """Map a full-view invoice to the page's data."""
    row = row_from_invoice(invoice, access)
    currency = row.total_amount.currency
    ledger = [
        LedgerLine(
            type=_component_type(component.type),
            label=component.display_name,
            amount=_money(component, "amount", currency),
            paid_amount=_money(component, "paid_amount", currency),
            credited_amount=_money(component, "credited_amount", currency),
            open_amount=_money(component, "open_amount", currency),
            charge_date=_optional_date(component, "charge_date"),
        )
        for component in invoice.ledger_components
    ]
    lines = [
        InvoiceLineView(
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=optional_money_from_proto(line, "unit_price"),
            vat_rate_percent=line.vat_rate_percent,
            net_amount=optional_money_from_proto(line, "net_amount"),
            vat_amount=optional_money_from_proto(line, "vat_amount"),
            gross_amount=optional_money_from_proto(line, "gross_amount"),
        )
        for line in invoice.lines
    ]
    return InvoiceDetail(
        row=row,
        case_number=invoice.case_number,
        issue_date=_optional_date(invoice, "issue_date"),
        original_due_date=_optional_date(invoice, "original_due_date"),
        capital=_money(invoice, "capital", currency),
        open_capital=_money(invoice, "open_capital", currency),
        ledger=ledger,
        lines=lines,
        virtual_bank_barcode=invoice.virtual_bank_barcode,
        payee_iban=invoice.payee_iban,
        payee_bic=invoice.payee_bic,
        has_original_document=invoice.has_original_document,
        debtor_party=invoice.debtor.party,
        payment_plan=plan_view(invoice.payment_plan) if invoice.HasField("payment_plan") else None,
    )


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    """*Maksa*: how to pay the invoice now by bank transfer (the page also offers paying
    online through the PSP)."""

    row: InvoiceRow
    #: What to pay: everything still open.
    amount: Money
    #: The payee as printed on the invoice (the creditor).
    recipient: str
    iban: str
    bic: str
    reference: str
    due_date: date | None
    #: 54 digits; empty when nothing is open or the account has no barcode.
    virtual_bank_barcode: str

    @property
    def payable(self) -> bool:
        """True while something is open (otherwise there is nothing to pay)."""
        return not self.row.archived and self.amount.is_positive()

    @property
    def iban_printed(self) -> str:
        return printed_iban(self.iban)

    @property
    def reference_printed(self) -> str:
        return printed_reference(self.reference)


def payment_from_detail(detail: InvoiceDetail) -> PaymentInstructions:
    """The payment details of an invoice already read."""
    row = detail.row
    return PaymentInstructions(
        row=row,
        amount=row.open_amount,
        recipient=row.creditor,
        iban=detail.payee_iban,
        bic=detail.payee_bic,
        reference=row.reference,
        due_date=row.due_date,
        virtual_bank_barcode=detail.virtual_bank_barcode,
    )


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One entry of the status timeline, texts already in the page's language."""

    type: str
    time: datetime | None
    title: str
    description: str
    amount: Money | None


def timeline_from_events(events: list[invoice_event_pb2.InvoiceEvent]) -> list[TimelineEntry]:
    """Map the service's timeline (oldest first, kept in that order)."""
    entries = []
    for event in events:
        when = event.event_time.ToDatetime(tzinfo=UTC) if event.HasField("event_time") else None
        entries.append(
            TimelineEntry(
                type=invoice_event_pb2.InvoiceEvent.Type.Name(event.type).removeprefix("TYPE_"),
                time=when,
                title=event.title,
                description=event.description,
                amount=optional_money_from_proto(event, "amount"),
            )
        )
    return entries
