"""Domain objects → ``ropo.invoice.v1`` messages (the wire shape of the gRPC API).

Money goes out as ``google.type.Money`` exactly (via ``ropo_platform.money_proto``),
dates as ``google.type.Date``, instants as ``Timestamp``. The debtor never carries
the henkilötunnus: only its party name and masked form.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from google.type import money_pb2, postal_address_pb2
from ropo.invoice.v1 import (
    creditor_pb2,
    invoice_event_pb2,
    invoice_pb2,
    invoice_service_pb2,
    letter_pb2,
    payment_time_pb2,
)
from ropo_platform.money_proto import money_to_proto

from ropo_invoice.domain.barcode import virtual_bank_barcode
from ropo_invoice.domain.delivery import (
    LETTER_CONSENT_SUFFIX,
    REFUND_CASES_PREFIX,
    DeliveryType,
    LetterChannel,
    letter_title,
)
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.ledger import LedgerComponent, component_label
from ropo_invoice.domain.model import (
    CREDITORS_PREFIX,
    INVOICES_PREFIX,
    Creditor,
    Invoice,
    InvoiceLine,
)
from ropo_invoice.domain.party import Debtor, Language
from ropo_invoice.domain.payment_plan import PaymentPlan
from ropo_invoice.domain.payment_time import PaymentTimeOptions, unavailable_message
from ropo_invoice.service_layer.message_centre import ConsentView
from ropo_invoice.service_layer.ports import LetterEntry, TimelineEntry, TimelineType
from ropo_invoice.service_layer.proto_values import (
    component_type_to_proto,
    date_to_proto,
    debtor_kind_to_proto,
    instalment_to_proto,
    payment_plan_to_proto,
    state_to_proto,
    timestamp_to_proto,
    unavailable_reason_to_proto,
)
from ropo_invoice.service_layer.timeline_texts import describe

_NANOS = Decimal(1_000_000_000)
_EVENT_TYPE = invoice_event_pb2.InvoiceEvent.Type
_TIMELINE_TYPE: dict[TimelineType, invoice_event_pb2.InvoiceEvent.Type.ValueType] = {
    TimelineType.IMPORTED: _EVENT_TYPE.TYPE_IMPORTED,
    TimelineType.STAGE_CHANGED: _EVENT_TYPE.TYPE_STAGE_CHANGED,
    TimelineType.LETTER_SENT: _EVENT_TYPE.TYPE_LETTER_SENT,
    TimelineType.COST_ADDED: _EVENT_TYPE.TYPE_COST_ADDED,
    TimelineType.INTEREST_CHARGED: _EVENT_TYPE.TYPE_INTEREST_CHARGED,
    TimelineType.DUE_DATE_EXTENDED: _EVENT_TYPE.TYPE_DUE_DATE_EXTENDED,
    TimelineType.PAYMENT_PLAN_CREATED: _EVENT_TYPE.TYPE_PAYMENT_PLAN_CREATED,
    TimelineType.PAYMENT_PLAN_CANCELLED: _EVENT_TYPE.TYPE_PAYMENT_PLAN_CANCELLED,
    TimelineType.PAYMENT_CONFIRMED: _EVENT_TYPE.TYPE_PAYMENT_CONFIRMED,
    TimelineType.PAYMENT_RECEIVED: _EVENT_TYPE.TYPE_PAYMENT_RECEIVED,
    TimelineType.CREDIT_NOTE_APPLIED: _EVENT_TYPE.TYPE_CREDIT_NOTE_APPLIED,
    TimelineType.OVERPAID: _EVENT_TYPE.TYPE_OVERPAID,
    TimelineType.PAID: _EVENT_TYPE.TYPE_PAID,
    TimelineType.AUTHORIZATION_GRANTED: _EVENT_TYPE.TYPE_AUTHORIZATION_GRANTED,
    TimelineType.AUTHORIZATION_REVOKED: _EVENT_TYPE.TYPE_AUTHORIZATION_REVOKED,
    TimelineType.DISPUTED: _EVENT_TYPE.TYPE_DISPUTED,
    TimelineType.DISPUTE_RESOLVED: _EVENT_TYPE.TYPE_DISPUTE_RESOLVED,
}


class View(Enum):
    """How much of an invoice to put into a message (``InvoiceView``)."""

    BASIC = "basic"
    FULL = "full"


def invoice_to_proto(invoice: Invoice, language: Language, view: View) -> invoice_pb2.Invoice:
    """The ``Invoice`` message; ``FULL`` adds ledger components, lines and the address."""
    ledger = invoice.ledger
    message = invoice_pb2.Invoice(
        name=invoice.resource_name,
        invoice_number=invoice.invoice_number,
        creditor=CREDITORS_PREFIX + invoice.creditor_id,
        creditor_display_name=invoice.creditor_name,
        debtor=debtor_to_proto(invoice.debtor, view),
        reference=invoice.reference.value,
        case_number=invoice.case_number.value,
        myropo_id=invoice.myropo_id.value,
        issue_date=date_to_proto(invoice.issue_date),
        original_due_date=date_to_proto(invoice.original_due_date),
        due_date=date_to_proto(invoice.due_date),
        state=state_to_proto(invoice.stage),
        paid_in_myropo=invoice.paid_in_myropo,
        display_status=invoice.display_status(language),
        capital=money_to_proto(ledger.capital),
        open_capital=money_to_proto(ledger.open_capital),
        open_amount=money_to_proto(ledger.open_amount),
        total_amount=money_to_proto(ledger.total_amount),
        virtual_bank_barcode=payable_barcode(invoice),
        payee_iban=invoice.payee_account.iban,
        payee_bic=invoice.payee_account.bic,
        due_date_extension_count=invoice.due_date_extension_count,
        has_original_document=False,
        create_time=timestamp_to_proto(invoice.created_at),
        update_time=timestamp_to_proto(invoice.updated_at),
    )
    if invoice.paid_at is not None:
        message.paid_time.CopyFrom(timestamp_to_proto(invoice.paid_at))
    shown_plan = _shown_plan(invoice)
    if view is View.FULL and shown_plan is not None:
        message.payment_plan.CopyFrom(payment_plan_to_proto(invoice.id, shown_plan))
    if view is View.FULL:
        message.ledger_components.extend(
            component_to_proto(component, language) for component in ledger.components
        )
        message.lines.extend(line_to_proto(line) for line in invoice.lines)
    return message


def _shown_plan(invoice: Invoice) -> PaymentPlan | None:
    """The active plan, else the latest one (completed or cancelled), else none."""
    if invoice.active_plan is not None:
        return invoice.active_plan
    return invoice.payment_plans[-1] if invoice.payment_plans else None


def payable_barcode(invoice: Invoice) -> str:
    """The virtual bank barcode of what is open now, payable by the date the debtor is
    asked to pay by; "" when nothing is open or the account is not Finnish."""
    open_amount = invoice.ledger.open_amount
    if not invoice.is_open or not open_amount.is_positive():
        return ""
    try:
        return virtual_bank_barcode(
            invoice.payee_account.iban, open_amount, invoice.reference, invoice.pay_by_date
        )
    except InvalidValue:
        return ""


def debtor_to_proto(debtor: Debtor, view: View) -> invoice_pb2.Debtor:
    """The debtor as others may see it: party name and masked identifier only."""
    message = invoice_pb2.Debtor(
        kind=debtor_kind_to_proto(debtor.kind),
        display_name=debtor.name,
        masked_identifier=debtor.masked_identifier,
        party=debtor.party,
        postal_code=debtor.address.postal_code,
        language_code=debtor.language.value,
    )
    if view is View.FULL:
        address = debtor.address
        message.postal_address.CopyFrom(
            postal_address_pb2.PostalAddress(
                region_code=address.country_code,
                language_code=debtor.language.value,
                postal_code=address.postal_code,
                locality=address.town,
                address_lines=list(address.street_lines),
                recipients=[debtor.name],
            )
        )
    return message


def component_to_proto(
    component: LedgerComponent, language: Language
) -> invoice_pb2.LedgerComponent:
    """One ledger component with its derived open amount."""
    return invoice_pb2.LedgerComponent(
        type=component_type_to_proto(component.type),
        display_name=component_label(component.type, language),
        amount=money_to_proto(component.amount),
        paid_amount=money_to_proto(component.paid_amount),
        credited_amount=money_to_proto(component.credited_amount),
        open_amount=money_to_proto(component.open_amount),
        charge_date=date_to_proto(component.charge_date),
    )


def line_to_proto(line: InvoiceLine) -> invoice_pb2.InvoiceLine:
    """One invoice row; row amounts may be finer than a cent (unit prices)."""
    message = invoice_pb2.InvoiceLine(
        description=line.description,
        quantity=_decimal_text(line.quantity),
        unit=line.unit,
        vat_rate_percent=_decimal_text(line.vat_rate_percent),
    )
    for name in ("unit_price", "net_amount", "vat_amount", "gross_amount"):
        value: Decimal | None = getattr(line, name)
        if value is not None:
            getattr(message, name).CopyFrom(decimal_money(value, line.currency))
    return message


def decimal_money(value: Decimal, currency: str) -> money_pb2.Money:
    """An exact ``google.type.Money`` for a decimal with at most nine decimals."""
    units = int(value)  # toward zero, so nanos share the sign as google.type.Money requires
    nanos = (value - units) * _NANOS
    if nanos != nanos.to_integral_value():
        raise ValueError("google.type.Money carries at most nine decimals")
    return money_pb2.Money(currency_code=currency, units=units, nanos=int(nanos))


def _decimal_text(value: Decimal | None) -> str:
    """``2``, ``1.5``, ``25.5``: plain decimal text without exponent or trailing zeros."""
    if value is None:
        return ""
    normalized = value.normalize()
    text = format(normalized, "f")
    return text


def timeline_entry_to_proto(
    entry: TimelineEntry, language: Language
) -> invoice_event_pb2.InvoiceEvent:
    """One timeline entry, worded in ``language``."""
    title, description = describe(entry, language)
    invoice_name = INVOICES_PREFIX + entry.invoice_id
    message = invoice_event_pb2.InvoiceEvent(
        name=f"{invoice_name}/events/{entry.position}",
        type=_TIMELINE_TYPE[entry.type],
        event_time=timestamp_to_proto(entry.occurred_at),
        title=title,
        description=description,
        letter=f"{invoice_name}/letters/{entry.letter_id}" if entry.letter_id else "",
    )
    if entry.amount is not None:
        message.amount.CopyFrom(money_to_proto(entry.amount))
    return message


def creditor_to_proto(creditor: Creditor) -> creditor_pb2.Creditor:
    """The ``Creditor`` message."""
    account = creditor.account
    return creditor_pb2.Creditor(
        name=creditor.resource_name,
        display_name=creditor.name,
        business_id=creditor.business_id.value,
        iban=account.iban if account else "",
        bic=account.bic if account else "",
        create_time=timestamp_to_proto(creditor.created_at),
        update_time=timestamp_to_proto(creditor.updated_at),
    )


def payment_time_options_to_proto(
    options: PaymentTimeOptions, language: Language
) -> invoice_service_pb2.GetPaymentTimeOptionsResponse:
    """The ``GetPaymentTimeOptionsResponse`` with sentences in ``language``."""
    extension = options.extension
    extension_message = payment_time_pb2.DueDateExtensionOption(
        available=extension.available,
        unavailable_reason=unavailable_reason_to_proto(extension.reason),
    )
    if extension.reason is not None:
        extension_message.unavailable_message = unavailable_message(extension.reason, language)
    if extension.earliest_due_date is not None and extension.latest_due_date is not None:
        extension_message.earliest_due_date.CopyFrom(date_to_proto(extension.earliest_due_date))
        extension_message.latest_due_date.CopyFrom(date_to_proto(extension.latest_due_date))
    if extension.fee is not None:
        extension_message.fee.CopyFrom(money_to_proto(extension.fee))
    plan = options.plan
    plan_message = payment_time_pb2.PaymentPlanOption(
        available=plan.available,
        unavailable_reason=unavailable_reason_to_proto(plan.reason),
        choices=[
            payment_time_pb2.PaymentPlanChoice(
                instalment_count=choice.instalment_count,
                fee=money_to_proto(choice.fee),
                total_amount=money_to_proto(choice.total_amount),
                instalments=[instalment_to_proto(i) for i in choice.instalments],
            )
            for choice in plan.choices
        ],
    )
    if plan.reason is not None:
        plan_message.unavailable_message = unavailable_message(plan.reason, language)
    return invoice_service_pb2.GetPaymentTimeOptionsResponse(
        due_date_extension=extension_message, payment_plan=plan_message
    )


_LETTER_TYPE: dict[DeliveryType, letter_pb2.LetterType.ValueType] = {
    DeliveryType.INVOICE: letter_pb2.LETTER_TYPE_INVOICE,
    DeliveryType.REMINDER: letter_pb2.LETTER_TYPE_REMINDER,
    DeliveryType.PAYMENT_DEMAND: letter_pb2.LETTER_TYPE_PAYMENT_DEMAND,
    DeliveryType.PAYMENT_MONITORING_LETTER: letter_pb2.LETTER_TYPE_PAYMENT_MONITORING_LETTER,
    DeliveryType.PAYMENT_TIME_CONFIRMATION: letter_pb2.LETTER_TYPE_PAYMENT_TIME_CONFIRMATION,
    DeliveryType.CUSTOMER_SERVICE_MESSAGE: letter_pb2.LETTER_TYPE_CUSTOMER_SERVICE_MESSAGE,
    DeliveryType.REFUND_LETTER: letter_pb2.LETTER_TYPE_REFUND_LETTER,
    DeliveryType.PAYMENT_PLAN_REMINDER: letter_pb2.LETTER_TYPE_PAYMENT_PLAN_REMINDER,
}
_LETTER_CHANNEL: dict[LetterChannel, letter_pb2.LetterChannel.ValueType] = {
    LetterChannel.PAPER: letter_pb2.LETTER_CHANNEL_PAPER,
    LetterChannel.ELECTRONIC: letter_pb2.LETTER_CHANNEL_ELECTRONIC,
}


def letter_to_proto(entry: LetterEntry, language: Language) -> letter_pb2.Letter:
    """A delivered letter as the message centre lists it, titled in ``language``."""
    delivery = entry.delivery
    message = letter_pb2.Letter(
        name=delivery.name,
        type=_LETTER_TYPE[delivery.type],
        title=letter_title(delivery.type, language),
        recipient_party=delivery.recipient_party,
        channel=_LETTER_CHANNEL[delivery.channel],
        read=delivery.is_read,
        create_time=timestamp_to_proto(delivery.created_at),
        refund_case=REFUND_CASES_PREFIX + delivery.refund_case if delivery.refund_case else "",
        invoice_number=entry.invoice_number,
        creditor_display_name=entry.creditor_name,
        body=entry.body,
    )
    if delivery.read_at is not None:
        message.read_time.CopyFrom(timestamp_to_proto(delivery.read_at))
    if delivery.due_date is not None:
        message.due_date.CopyFrom(date_to_proto(delivery.due_date))
    return message


def letter_consent_to_proto(view: ConsentView) -> letter_pb2.LetterConsent:
    """A consent with its history (oldest change first)."""
    consent = view.consent
    message = letter_pb2.LetterConsent(
        name=consent.party + LETTER_CONSENT_SUFFIX,
        electronic=consent.electronic,
        notification_email=consent.notification_email,
        changes=[
            letter_pb2.LetterConsentChange(
                electronic=change.electronic,
                channel=change.channel.value,
                actor=change.actor,
                change_time=timestamp_to_proto(change.changed_at),
            )
            for change in view.changes
        ],
    )
    if consent.updated_at is not None:
        message.update_time.CopyFrom(timestamp_to_proto(consent.updated_at))
    return message
