"""Request and response bodies of the MyRopo JSON API (they make its OpenAPI description).

Amounts are exact decimal strings with their currency (never JSON numbers, which
clients parse as binary floats); dates are ISO 8601; enum values are the proto
names without their prefix (``REMINDER``, ``OWN``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from ropo_platform.money import Money as ExactMoney

from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.authorization import AuthorizationView
from ropo_gateway.clients.payment_time import (
    InstalmentView,
    PaymentPlanView,
    PaymentTimeOptions,
    PlanChoice,
)
from ropo_gateway.clients.payments import PaymentView
from ropo_gateway.myropo.authorizations import MAX_NAME_LENGTH, MAX_NATIONAL_ID_LENGTH
from ropo_gateway.myropo.dashboard import Dashboard, Tab
from ropo_gateway.myropo.payments import MAX_INVOICES_PER_PAYMENT
from ropo_gateway.myropo.views import InvoiceDetail as DetailView
from ropo_gateway.myropo.views import InvoiceRow, PaymentInstructions, TimelineEntry


class Money(BaseModel):
    """An exact amount of money."""

    amount: str = Field(description="Decimal string with the currency's minor digits.")
    currency: str = Field(description="ISO 4217 currency code.", examples=["EUR"])

    @classmethod
    def of(cls, value: ExactMoney) -> Money:
        return cls(amount=str(value.amount), currency=value.currency)

    @classmethod
    def optional(cls, value: ExactMoney | None) -> Money | None:
        return None if value is None else cls.of(value)


class Person(BaseModel):
    """The logged-in person, as far as the pages show them."""

    name: str = Field(description="Display name from the identity provider.")
    masked_id: str = Field(description="Henkilötunnus masked as DDMMYY-****.")

    @classmethod
    def of(cls, identity: Identity) -> Person:
        return cls(name=identity.display_name, masked_id=identity.masked_id)


class InvoiceSummary(BaseModel):
    """One invoice as listed under *Laskut* or *Arkisto*."""

    id: str = Field(description="Opaque invoice id used in URLs.")
    name: str = Field(description='Resource name, "invoices/{id}".')
    invoice_number: str = Field(description="The creditor's invoice number (Laskun numero).")
    creditor: str = Field(description="Creditor name (Laskuttaja).")
    due_date: date | None = Field(description="Current due date (Eräpäivä).")
    open_amount: Money = Field(description="Everything still open (Avoinna).")
    total_amount: Money = Field(description="Everything charged so far.")
    state: str = Field(description="Stage: INVOICE, REMINDER, COLLECTION, PAID, ...")
    display_status: str = Field(description="Status text in the request's language (Tila).")
    paid_in_myropo: bool = Field(description="Paid in MyRopo, money not yet settled.")
    reference: str = Field(description="Payment reference, machine form.")
    reference_printed: str = Field(description="Payment reference as printed (Maksuviite).")
    access: str = Field(
        description="Why the person sees it: OWN (their own), AUTHORIZED (a valtuutus for "
        "this invoice), CONTINUOUS_AUTHORIZATION (for all the debtor's invoices), LOOKUP "
        "(found with Hae lasku)."
    )

    @classmethod
    def of(cls, row: InvoiceRow) -> InvoiceSummary:
        return cls(**_summary_fields(row))


def _summary_fields(row: InvoiceRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "invoice_number": row.invoice_number,
        "creditor": row.creditor,
        "due_date": row.due_date,
        "open_amount": Money.of(row.open_amount),
        "total_amount": Money.of(row.total_amount),
        "state": row.state,
        "display_status": row.display_status,
        "paid_in_myropo": row.paid_in_myropo,
        "reference": row.reference,
        "reference_printed": row.reference_printed,
        "access": row.access,
    }


class InvoiceList(BaseModel):
    """One page of the person's invoices."""

    person: Person
    tab: Tab = Field(description="open = Laskut, archive = Arkisto.")
    query: str = Field(description="The search text applied (empty: none).")
    invoices: list[InvoiceSummary]
    next_page_token: str = Field(description="Pass as page_token for the next page; empty last.")

    @classmethod
    def of(cls, dashboard: Dashboard) -> InvoiceList:
        return cls(
            person=Person.of(dashboard.identity),
            tab=dashboard.request.tab,
            query=dashboard.request.query,
            invoices=[InvoiceSummary.of(row) for row in dashboard.rows],
            next_page_token=dashboard.next_page_token,
        )


class LedgerComponent(BaseModel):
    """One component of the ledger: capital, penalty interest or one fee."""

    type: str = Field(description="CAPITAL, PENALTY_INTEREST, REMINDER_FEE, ...")
    display_name: str = Field(description="Label in the request's language.")
    amount: Money = Field(description="Amount charged.")
    paid_amount: Money = Field(description="Covered by payments.")
    credited_amount: Money = Field(description="Removed by credit notes or waivers.")
    open_amount: Money = Field(description="Still open.")
    charge_date: date | None = Field(description="When it was charged.")


class InvoiceLine(BaseModel):
    """One row of the original invoice."""

    description: str
    quantity: str = Field(description="Decimal string; empty when the row has none.")
    unit: str
    unit_price: Money | None
    vat_rate_percent: str = Field(description='Decimal string, e.g. "25.5".')
    net_amount: Money | None
    vat_amount: Money | None
    gross_amount: Money | None


class Instalment(BaseModel):
    """One instalment of a payment plan (*Erä*)."""

    number: int = Field(description="Position in the plan, from 1.")
    due_date: date | None = Field(description="Due date of the instalment (Eräpäivä).")
    amount: Money = Field(description="Amount due (Summa); the last absorbs the rounding.")
    paid_amount: Money = Field(description="Part already paid (Maksettu).")
    state: str = Field(description="OPEN, PAID or OVERDUE.")

    @classmethod
    def of(cls, item: InstalmentView) -> Instalment:
        return cls(
            number=item.number,
            due_date=item.due_date,
            amount=Money.of(item.amount),
            paid_amount=Money.of(item.paid_amount),
            state=item.state.value,
        )


class PaymentPlan(BaseModel):
    """A payment plan (*Maksusuunnitelma*)."""

    state: str = Field(description="ACTIVE, COMPLETED or CANCELLED.")
    instalments: list[Instalment]
    fee: Money = Field(description="Fee charged for the plan.")
    total_amount: Money = Field(description="Open amount when made plus the fee.")
    create_time: datetime | None
    cancel_time: datetime | None

    @classmethod
    def of(cls, plan: PaymentPlanView) -> PaymentPlan:
        return cls(
            state=plan.state.value,
            instalments=[Instalment.of(item) for item in plan.instalments],
            fee=Money.of(plan.fee),
            total_amount=Money.of(plan.total_amount),
            create_time=plan.create_time,
            cancel_time=plan.cancel_time,
        )

    @classmethod
    def optional(cls, plan: PaymentPlanView | None) -> PaymentPlan | None:
        return None if plan is None else cls.of(plan)


class InvoiceDetail(InvoiceSummary):
    """One invoice with its ledger and rows (the invoice page)."""

    case_number: str = Field(description="Ropo's case number (Asianumero).")
    case_number_printed: str = Field(description="Case number grouped for reading.")
    issue_date: date | None
    original_due_date: date | None
    capital: Money = Field(description="Original capital (Pääoma).")
    open_capital: Money = Field(description="Capital still open (Avoin pääoma).")
    ledger_components: list[LedgerComponent]
    lines: list[InvoiceLine]
    virtual_bank_barcode: str = Field(description="54 digits; empty when nothing is open.")
    payee_iban: str
    payee_bic: str
    has_original_document: bool = Field(description="The creditor sent an original image.")
    document_url: str = Field(description="Where the invoice image (PDF) is fetched.")
    payment_plan: PaymentPlan | None = Field(
        default=None, description="The invoice's payment plan, if it has or had one."
    )

    @classmethod
    def from_view(cls, detail: DetailView, document_url: str) -> InvoiceDetail:
        return cls(
            **_summary_fields(detail.row),
            case_number=detail.case_number,
            case_number_printed=detail.case_number_printed,
            issue_date=detail.issue_date,
            original_due_date=detail.original_due_date,
            capital=Money.of(detail.capital),
            open_capital=Money.of(detail.open_capital),
            ledger_components=[
                LedgerComponent(
                    type=line.type,
                    display_name=line.label,
                    amount=Money.of(line.amount),
                    paid_amount=Money.of(line.paid_amount),
                    credited_amount=Money.of(line.credited_amount),
                    open_amount=Money.of(line.open_amount),
                    charge_date=line.charge_date,
                )
                for line in detail.ledger
            ],
            lines=[
                InvoiceLine(
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=Money.optional(line.unit_price),
                    vat_rate_percent=line.vat_rate_percent,
                    net_amount=Money.optional(line.net_amount),
                    vat_amount=Money.optional(line.vat_amount),
                    gross_amount=Money.optional(line.gross_amount),
                )
                for line in detail.lines
            ],
            virtual_bank_barcode=detail.virtual_bank_barcode,
            payee_iban=detail.payee_iban,
            payee_bic=detail.payee_bic,
            has_original_document=detail.has_original_document,
            document_url=document_url,
            payment_plan=PaymentPlan.optional(detail.payment_plan),
        )


class TimelineEvent(BaseModel):
    """One entry of the status timeline."""

    type: str = Field(description="IMPORTED, STAGE_CHANGED, LETTER_SENT, PAYMENT_RECEIVED, ...")
    time: datetime | None = Field(description="When it happened (UTC).")
    title: str = Field(description="Short title in the request's language.")
    description: str = Field(description="Longer explanation; may be empty.")
    amount: Money | None = Field(description="Amount involved, if any.")

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEvent:
        return cls(
            type=entry.type,
            time=entry.time,
            title=entry.title,
            description=entry.description,
            amount=Money.optional(entry.amount),
        )


class InvoiceEvents(BaseModel):
    """The status timeline of one invoice, oldest first."""

    events: list[TimelineEvent]


class LookupRequest(BaseModel):
    """*Hae lasku*: either the three invoice details or the MyRopo ID, not both."""

    model_config = ConfigDict(extra="forbid")

    invoice_number: str | None = Field(default=None, description="Laskun numero.")
    reference: str | None = Field(default=None, description="Laskun viitenumero; spaces allowed.")
    postal_code: str | None = Field(default=None, description="Laskulla oleva postinumerosi.")
    myropo_id: str | None = Field(
        default=None, description="MyRopo-tunnus from the letter; spaces and dashes allowed."
    )


class LookupResult(BaseModel):
    """The invoice found; the session may now open it."""

    invoice: InvoiceSummary
    invoice_url: str = Field(description="The invoice's API URL.")


class PaymentDetails(BaseModel):
    """*Maksa*: how to pay the invoice now by bank transfer."""

    invoice_id: str = Field(description="Opaque invoice id used in URLs.")
    payable: bool = Field(description="False when nothing is open (nothing to pay).")
    amount: Money = Field(description="What to pay: everything still open (Avoinna).")
    recipient: str = Field(description="The payee (Saaja), the creditor.")
    iban: str = Field(description="Payee account, IBAN without spaces.")
    iban_printed: str = Field(description="The IBAN in groups of four.")
    bic: str = Field(description="BIC of the payee's bank.")
    reference: str = Field(description="Payment reference, machine form.")
    reference_printed: str = Field(description="Payment reference as printed (Maksuviite).")
    due_date: date | None = Field(description="Current due date (Eräpäivä).")
    virtual_bank_barcode: str = Field(
        description="54 digits (version 4 or 5); empty when nothing is open or the account "
        "has none."
    )

    @classmethod
    def of(cls, payment: PaymentInstructions) -> PaymentDetails:
        return cls(
            invoice_id=payment.row.id,
            payable=payment.payable,
            amount=Money.of(payment.amount),
            recipient=payment.recipient,
            iban=payment.iban,
            iban_printed=payment.iban_printed,
            bic=payment.bic,
            reference=payment.reference,
            reference_printed=payment.reference_printed,
            due_date=payment.due_date,
            virtual_bank_barcode=payment.virtual_bank_barcode if payment.payable else "",
        )


class Authorization(BaseModel):
    """A *valtuutus* the person gave: who may handle the invoice on their behalf. The
    henkilötunnus is never returned, only its masked form."""

    id: str = Field(description="Opaque authorization id used in URLs.")
    name: str = Field(description='Resource name, "authorizations/{id}".')
    type: str = Field(
        description="INVOICE (this invoice only) or CONTINUOUS (all the person's invoices, "
        "made by customer service)."
    )
    state: str = Field(description="ACTIVE, REVOKED, EXPIRED or ENDED (invoice paid or closed).")
    grantee_display_name: str = Field(description="The authorized person's name as given.")
    grantee_masked_identifier: str = Field(
        description="The authorized person's henkilötunnus masked, DDMMYY-****."
    )
    invoice: str = Field(description='"invoices/{id}" for INVOICE; empty for CONTINUOUS.')
    expire_date: date | None = Field(description="Last day in force (Voimassa asti); none: no end.")
    create_time: datetime | None = Field(description="When it was given (UTC).")
    end_time: datetime | None = Field(description="When it stopped being in force (UTC).")
    revocable: bool = Field(description="The person may revoke it here (active, this invoice).")

    @classmethod
    def of(cls, view: AuthorizationView, revocable: bool) -> Authorization:
        return cls(
            id=view.id,
            name=view.name,
            type=view.type,
            state=view.state,
            grantee_display_name=view.grantee_display_name,
            grantee_masked_identifier=view.grantee_masked_identifier,
            invoice=view.invoice,
            expire_date=view.expire_date,
            create_time=view.create_time,
            end_time=view.end_time,
            revocable=revocable,
        )


class AuthorizationList(BaseModel):
    """The authorizations the person gave that cover one invoice, newest first."""

    authorizations: list[Authorization]


class AuthorizationRequest(BaseModel):
    """*Valtuutus*: authorize a person for this invoice only. ``national_id`` is sent in this
    body only and is never returned or echoed in an error."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=MAX_NAME_LENGTH, description="The person's name (Nimi).")
    national_id: str = Field(
        max_length=MAX_NATIONAL_ID_LENGTH,
        description="The person's henkilötunnus (2023 century signs accepted).",
    )
    expire_date: date | None = Field(
        default=None, description="Last day in force (Voimassa asti); optional."
    )


class PaymentRequest(BaseModel):
    """*Maksa verkkopankissa*: one PSP payment for the invoices named, each at its open
    amount (the gateway reads it; amounts are not taken from the client)."""

    model_config = ConfigDict(extra="forbid")

    invoice_ids: list[str] = Field(
        min_length=1,
        max_length=MAX_INVOICES_PER_PAYMENT,
        description="Opaque invoice ids (as in the invoice URLs); duplicates count once.",
    )
    request_id: UUID = Field(
        description="Idempotency key (UUID4) chosen by the client: a retry with the same key "
        "returns the same payment."
    )


class PaymentInvoice(BaseModel):
    """One invoice of a payment and the amount paid on it."""

    invoice_id: str = Field(description="Opaque invoice id used in URLs.")
    name: str = Field(description='Resource name, "invoices/{id}".')
    amount: Money
    reference: str = Field(description="The invoice's payment reference, machine form.")


class Payment(BaseModel):
    """A payment through the payment service provider (PSP)."""

    id: str = Field(description="Opaque payment id used in URLs.")
    name: str = Field(description='Resource name, "payments/{id}".')
    state: str = Field(
        description="PENDING (not finished at the PSP), SUCCEEDED (Maksettu MyRopossa: "
        "confirmed, money not yet settled), SETTLED or FAILED."
    )
    amount: Money = Field(description="Sum of the invoices' amounts.")
    payment_page_url: str = Field(description="The PSP's page: send the browser there.")
    invoices: list[PaymentInvoice]
    provider_method: str = Field(description='Method chosen at the PSP, e.g. "nordea".')
    create_time: datetime | None
    succeed_time: datetime | None = Field(description="When the PSP confirmed it.")
    settle_time: datetime | None = Field(description="When the money settled.")

    @classmethod
    def of(cls, view: PaymentView) -> Payment:
        return cls(
            id=view.id,
            name=view.name,
            state=view.state.value,
            amount=Money.of(view.amount),
            payment_page_url=view.payment_page_url,
            invoices=[
                PaymentInvoice(
                    invoice_id=item.invoice_id,
                    name=item.invoice,
                    amount=Money.of(item.amount),
                    reference=item.reference,
                )
                for item in view.items
            ],
            provider_method=view.provider_method,
            create_time=view.create_time,
            succeed_time=view.succeed_time,
            settle_time=view.settle_time,
        )


class PaymentResponse(BaseModel):
    """One payment."""

    payment: Payment


class DueDateExtensionOption(BaseModel):
    """*Eräpäivän siirto*: possible now (dates and fee) or, if not, why."""

    available: bool
    earliest_due_date: date | None = Field(description="Earliest new due date.")
    latest_due_date: date | None = Field(description="Latest new due date.")
    fee: Money = Field(description="Fee of the extension (zero: free of charge).")
    unavailable_reason: str = Field(
        description="Why not (ALREADY_EXTENDED, IN_DISPUTE, STAGE_NOT_ALLOWED, ...); empty "
        "when available."
    )
    unavailable_message: str = Field(description="The reason as a sentence in the language.")


class PaymentPlanChoice(BaseModel):
    """One plan that may be chosen, exactly as it would be made."""

    instalment_count: int
    fee: Money
    total_amount: Money = Field(description="Open amount plus fee; the instalments sum to it.")
    instalments: list[Instalment]

    @classmethod
    def of(cls, choice: PlanChoice) -> PaymentPlanChoice:
        return cls(
            instalment_count=choice.instalment_count,
            fee=Money.of(choice.fee),
            total_amount=Money.of(choice.total_amount),
            instalments=[Instalment.of(item) for item in choice.instalments],
        )


class PaymentPlanOption(BaseModel):
    """*Maksusuunnitelma*: the choices now or, if none, why."""

    available: bool
    choices: list[PaymentPlanChoice]
    unavailable_reason: str
    unavailable_message: str


class PaymentTimeOptionsResponse(BaseModel):
    """What the person may choose now for the invoice's payment time."""

    due_date_extension: DueDateExtensionOption
    payment_plan: PaymentPlanOption

    @classmethod
    def of(cls, options: PaymentTimeOptions) -> PaymentTimeOptionsResponse:
        ext, plan = options.extension, options.plan
        return cls(
            due_date_extension=DueDateExtensionOption(
                available=ext.available,
                earliest_due_date=ext.earliest_due_date,
                latest_due_date=ext.latest_due_date,
                fee=Money.of(ext.fee),
                unavailable_reason=ext.unavailable_reason,
                unavailable_message=ext.unavailable_message,
            ),
            payment_plan=PaymentPlanOption(
                available=plan.available,
                choices=[PaymentPlanChoice.of(item) for item in plan.choices],
                unavailable_reason=plan.unavailable_reason,
                unavailable_message=plan.unavailable_message,
            ),
        )


class DueDateExtensionRequest(BaseModel):
    """*Eräpäivän siirto*: the chosen date and the fee the person was shown."""

    model_config = ConfigDict(extra="forbid")

    new_due_date: date = Field(description="Within the option's earliest and latest dates.")
    accepted_fee: str = Field(
        max_length=20,
        description='The fee shown, as a decimal string ("5.00"); refused with FEE_CHANGED '
        "when it would now differ.",
    )
    request_id: UUID = Field(description="Idempotency key (UUID4): a retry acts once.")


class PaymentPlanRequest(BaseModel):
    """*Maksusuunnitelma*: the chosen instalment count and the fee the person was shown."""

    model_config = ConfigDict(extra="forbid")

    instalment_count: int = Field(ge=1, le=120, description="One of the offered counts.")
    accepted_fee: str = Field(max_length=20, description='The fee shown ("20.00").')
    request_id: UUID = Field(description="Idempotency key (UUID4): a retry acts once.")


class DueDateExtensionResponse(BaseModel):
    """The invoice with its new due date, and the fee charged."""

    invoice: InvoiceDetail
    fee: Money


class PaymentPlanResponse(BaseModel):
    """The invoice with the plan's fee in its ledger, and the plan made."""

    invoice: InvoiceDetail
    payment_plan: PaymentPlan


class ErrorStatus(BaseModel):
    """AIP-193 error: ``code`` (HTTP), ``status`` (canonical name), ``message``, ``details``
    (always an ``ErrorInfo`` with the reason; ``BadRequest`` for field violations)."""

    code: int
    status: str
    message: str
    details: list[dict[str, Any]]


class ErrorResponse(BaseModel):
    """Every error of the API."""

    error: ErrorStatus
