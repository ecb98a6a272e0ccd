"""The Ropo One JSON API's request and response bodies (pydantic, so they are described in
OpenAPI).

Amounts are exact decimal strings with their currency, dates ISO 8601, enum values
their names without prefix (``REMINDER``, ``PERSON``, ``PAYMENT_RECEIVED``). Request
bodies refuse unknown fields (no mass assignment). A henkilötunnus is accepted in a
request body only and never appears in a response: authorizations show it masked.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from ropo_platform.money import Money

from ropo_gateway.clients.payment_time import InstalmentView, PaymentPlanView
from ropo_gateway.ropo_one.authorizations import MAX_NATIONAL_ID_LENGTH, AuthorizationRow
from ropo_gateway.ropo_one.payments import CasePayment
from ropo_gateway.ropo_one.views import CaseRow, CaseView, LedgerRow, TimelineRow


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MoneyOut(_Out):
    """An exact amount."""

    amount: str = Field(description="Decimal string, e.g. '1696.32'.", examples=["1696.32"])
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])

    @classmethod
    def of(cls, value: Money) -> MoneyOut:
        return cls(amount=str(value.amount), currency=value.currency)


def _money(value: Money | None) -> MoneyOut | None:
    return None if value is None else MoneyOut.of(value)


class CaseSummaryOut(_Out):
    """One search result."""

    name: str = Field(description="Resource name, 'invoices/{id}'.")
    case_number: str = Field(description="Asianumero.")
    invoice_number: str
    creditor: str = Field(description="'creditors/{id}'.")
    creditor_name: str
    debtor_name: str
    due_date: dt.date | None
    open_amount: MoneyOut
    state: str = Field(description="Stage: INVOICE, REMINDER, COLLECTION, ..., PAID.")
    display_status: str = Field(description="Tehtävän tila in the request's language.")
    paid_in_myropo: bool

    @classmethod
    def of(cls, row: CaseRow) -> CaseSummaryOut:
        return cls(
            name=row.name,
            case_number=row.case_number,
            invoice_number=row.invoice_number,
            creditor=row.creditor,
            creditor_name=row.creditor_name,
            debtor_name=row.debtor_name,
            due_date=row.due_date,
            open_amount=MoneyOut.of(row.open_amount),
            state=row.state,
            display_status=row.display_status,
            paid_in_myropo=row.paid_in_myropo,
        )


class CaseSearchOut(_Out):
    """One page of search results, most recently updated first."""

    invoices: list[CaseSummaryOut]
    next_page_token: str = Field(description="Pass as page_token for the next page; '' at end.")


class DebtorOut(_Out):
    """The debtor as staff may see it."""

    customer_type: str = Field(description="PERSON (Yksityishenkilö) or ORGANIZATION.")
    name: str
    masked_identifier: str = Field(
        description="'DDMMYY-****' for a person, the business id for a company."
    )


class LedgerComponentOut(_Out):
    """One ledger component."""

    type: str = Field(description="CAPITAL, PENALTY_INTEREST, REMINDER_FEE, ...")
    display_name: str
    amount: MoneyOut
    paid_amount: MoneyOut
    credited_amount: MoneyOut
    open_amount: MoneyOut
    charge_date: dt.date | None

    @classmethod
    def of(cls, row: LedgerRow) -> LedgerComponentOut:
        return cls(
            type=row.type,
            display_name=row.display_name,
            amount=MoneyOut.of(row.amount),
            paid_amount=MoneyOut.of(row.paid_amount),
            credited_amount=MoneyOut.of(row.credited_amount),
            open_amount=MoneyOut.of(row.open_amount),
            charge_date=row.charge_date,
        )


class CaseEventOut(_Out):
    """One entry of the case timeline."""

    name: str = Field(description="'invoices/{id}/events/{event}'.")
    type: str = Field(description="IMPORTED, STAGE_CHANGED, PAYMENT_CONFIRMED, ...")
    time: dt.datetime | None
    title: str
    description: str
    amount: MoneyOut | None

    @classmethod
    def of(cls, row: TimelineRow) -> CaseEventOut:
        return cls(
            name=row.name,
            type=row.type,
            time=row.time,
            title=row.title,
            description=row.description,
            amount=_money(row.amount),
        )


class CaseEventsOut(_Out):
    """The timeline of a case, oldest first."""

    events: list[CaseEventOut]


class CasePaymentOut(_Out):
    """A PSP payment covering the case's invoice (*Maksut*)."""

    name: str = Field(description="Resource name, 'payments/{id}'.")
    create_time: dt.datetime | None
    state: str = Field(
        description="PENDING (Odottaa maksua), SUCCEEDED (Maksettu MyRopossa), SETTLED "
        "(Tilitetty) or FAILED (Epäonnistui)."
    )
    amount: MoneyOut = Field(description="Paid on this case's invoice.")
    method: str = Field(description="Payment method at the PSP, e.g. 'nordea'; '' until known.")
    provider_transaction_id: str = Field(description="The PSP's transaction id.")
    succeed_time: dt.datetime | None
    settle_time: dt.datetime | None

    @classmethod
    def of(cls, row: CasePayment) -> CasePaymentOut:
        return cls(
            name=row.name,
            create_time=row.create_time,
            state=row.state.value,
            amount=MoneyOut.of(row.amount),
            method=row.method,
            provider_transaction_id=row.provider_transaction_id,
            succeed_time=row.succeed_time,
            settle_time=row.settle_time,
        )


class InstalmentOut(_Out):
    """One instalment of a payment plan (erä)."""

    number: int
    due_date: dt.date | None
    amount: MoneyOut
    paid_amount: MoneyOut
    state: str = Field(description="OPEN, PAID or OVERDUE.")

    @classmethod
    def of(cls, item: InstalmentView) -> InstalmentOut:
        return cls(
            number=item.number,
            due_date=item.due_date,
            amount=MoneyOut.of(item.amount),
            paid_amount=MoneyOut.of(item.paid_amount),
            state=item.state.value,
        )


class PaymentPlanOut(_Out):
    """The case's payment plan (maksusuunnitelma)."""

    name: str = Field(description="'invoices/{invoice}/paymentPlans/{plan}'.")
    state: str = Field(description="ACTIVE, COMPLETED or CANCELLED.")
    fee: MoneyOut
    total_amount: MoneyOut
    instalments: list[InstalmentOut]
    create_time: dt.datetime | None
    cancel_time: dt.datetime | None

    @classmethod
    def of(cls, plan: PaymentPlanView) -> PaymentPlanOut:
        return cls(
            name=plan.name,
            state=plan.state.value,
            fee=MoneyOut.of(plan.fee),
            total_amount=MoneyOut.of(plan.total_amount),
            instalments=[InstalmentOut.of(item) for item in plan.instalments],
            create_time=plan.create_time,
            cancel_time=plan.cancel_time,
        )


class CaseOut(_Out):
    """A case as shown on the Ropo One case page."""

    name: str = Field(description="Resource name, 'invoices/{id}'.")
    case_number: str
    invoice_number: str
    reference: str = Field(description="Machine form without spaces.")
    myropo_id: str
    creditor: str
    creditor_name: str
    debtor: DebtorOut
    state: str
    display_status: str = Field(description="Tehtävän tila, e.g. 'Maksettu MyRopossa'.")
    paid_in_myropo: bool
    capital: MoneyOut = Field(description="Pääoma.")
    open_capital: MoneyOut = Field(description="Avoin pääoma.")
    open_amount: MoneyOut = Field(description="Avoinna yhteensä.")
    total_amount: MoneyOut
    issue_date: dt.date | None
    original_due_date: dt.date | None
    due_date: dt.date | None
    create_time: dt.datetime | None
    paid_time: dt.datetime | None
    ledger_components: list[LedgerComponentOut]
    payments: list[CasePaymentOut] | None = Field(
        default=None,
        description="The PSP payments covering the invoice, newest first; null when the "
        "payment service could not be reached.",
    )
    payment_plan: PaymentPlanOut | None = Field(
        default=None, description="The invoice's payment plan, if it has or had one."
    )

    @classmethod
    def of(cls, case: CaseView, payments: list[CasePayment] | None = None) -> CaseOut:
        return cls(
            name=case.name,
            case_number=case.case_number,
            invoice_number=case.invoice_number,
            reference=case.reference,
            myropo_id=case.myropo_id,
            creditor=case.creditor,
            creditor_name=case.creditor_name,
            debtor=DebtorOut(
                customer_type=case.customer_type,
                name=case.debtor_name,
                masked_identifier=case.debtor_identifier,
            ),
            state=case.state,
            display_status=case.display_status,
            paid_in_myropo=case.paid_in_myropo,
            capital=MoneyOut.of(case.capital),
            open_capital=MoneyOut.of(case.open_capital),
            open_amount=MoneyOut.of(case.open_amount),
            total_amount=MoneyOut.of(case.total_amount),
            issue_date=case.issue_date,
            original_due_date=case.original_due_date,
            due_date=case.due_date,
            create_time=case.create_time,
            paid_time=case.paid_time,
            ledger_components=[LedgerComponentOut.of(row) for row in case.ledger],
            payments=None if payments is None else [CasePaymentOut.of(row) for row in payments],
            payment_plan=None
            if case.payment_plan is None
            else PaymentPlanOut.of(case.payment_plan),
        )


class AuthorizationOut(_Out):
    """An authorization of the case (per invoice, or continuous covering it)."""

    id: str = Field(description="The id used in URLs.")
    name: str = Field(description="Resource name, 'authorizations/{id}'.")
    type: str = Field(description="INVOICE (laskukohtainen) or CONTINUOUS (jatkuva).")
    state: str = Field(description="ACTIVE, REVOKED, EXPIRED or ENDED.")
    grantee_name: str = Field(description="The authorized person's name as given.")
    grantee_masked_identifier: str = Field(
        description="The authorized person's identity code masked: 'DDMMYY-****'."
    )
    invoice: str = Field(description="'invoices/{id}' of a per-invoice one; '' if continuous.")
    creditor: str = Field(
        description="A continuous one limited to one creditor's invoices: 'creditors/{id}'; "
        "'' for all."
    )
    expire_date: dt.date | None = Field(description="Last day in force; null: no end date.")
    created_by_debtor: bool = Field(description="True when the debtor made it (in MyRopo).")
    creator: str = Field(description="'staffUsers/{id}' when staff made it, else ''.")
    create_time: dt.datetime | None
    end_time: dt.datetime | None = Field(description="When it stopped being in force.")
    revoker: str = Field(description="'staffUsers/{id}' when staff revoked it, else ''.")

    @classmethod
    def of(cls, row: AuthorizationRow) -> AuthorizationOut:
        return cls(
            id=row.id,
            name=row.name,
            type=row.type,
            state=row.state,
            grantee_name=row.grantee_name,
            grantee_masked_identifier=row.grantee_masked_identifier,
            invoice=row.invoice,
            creditor=row.creditor,
            expire_date=row.expire_date,
            created_by_debtor=row.created_by_debtor,
            creator=row.creator,
            create_time=row.create_time,
            end_time=row.end_time,
            revoker=row.revoker,
        )


class AuthorizationsOut(_Out):
    """The case's authorizations, newest first."""

    authorizations: list[AuthorizationOut]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContinuousAuthorizationIn(_In):
    """A continuous authorization for the case debtor's invoices (made after the debtor asked,
    typically in a chat)."""

    grantee_name: str = Field(max_length=200, description="The authorized person's name.")
    grantee_national_id: str = Field(
        max_length=MAX_NATIONAL_ID_LENGTH,
        description="The authorized person's henkilötunnus (personal identity code). "
        "Sensitive: sent to the authorization service only, never returned or echoed in an "
        "error.",
    )
    creditor_only: bool = Field(
        default=False, description="Only the invoices of the case's creditor (else all)."
    )
    expire_date: dt.date | None = Field(
        default=None, description="Last day in force; omitted: until further notice."
    )
    conversation: str = Field(
        default="",
        max_length=150,
        description="The chat where it was agreed: 'conversations/{id}' or the id.",
    )
