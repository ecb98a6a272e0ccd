"""Request and response bodies of *Ilmoita tilinumero* in the MyRopo JSON API.

Amounts are exact decimal strings with their currency; an account is only ever shown
masked (``FI49 **** **** **** 56``).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ropo_gateway.clients.refunds import (
    RefundAccountView,
    RefundCaseView,
    RefundOrigin,
    RefundState,
)
from ropo_gateway.myropo.api_models import Money
from ropo_gateway.myropo.refund_views import next_page


class RefundAccount(BaseModel):
    """The reported account, masked."""

    masked_iban: str = Field(description='IBAN masked for display ("FI49 **** **** **** 56").')
    bic: str = Field(description="BIC, given or derived for a Finnish account; may be empty.")
    holder_name: str = Field(description="Account holder's name as typed.")
    confirmed: bool = Field(description="True once the person confirmed it (step 3).")

    @classmethod
    def of(cls, account: RefundAccountView) -> RefundAccount:
        return cls(
            masked_iban=account.masked_iban,
            bic=account.bic,
            holder_name=account.holder_name,
            confirmed=account.confirmed,
        )


class RefundCase(BaseModel):
    """A refund case as the person sees it after verifying it."""

    id: str = Field(description="Id used in the paths of this API.")
    name: str = Field(description='Resource name, "refundCases/{id}".')
    state: RefundState
    origin: RefundOrigin
    case_number: str = Field(description="Case number printed on the letter.")
    invoice_id: str = Field(description="The invoice concerned; empty for an unclear payment.")
    refundable_amount: Money = Field(description="Amount owed back.")
    handling_fee: Money = Field(description="Handling fee (zero when none).")
    payout_amount: Money = Field(description="What is paid out: refundable amount − fee.")
    account: RefundAccount | None = Field(description="The reported account; null before.")
    etag: str = Field(description="Present it to confirm exactly the account shown.")
    status_message: str = Field(description="Why a payout failed or the case was rejected.")
    create_time: datetime | None
    update_time: datetime | None
    paid_time: datetime | None
    next_page: str = Field(description="The MyRopo page where the person continues.")

    @classmethod
    def of(cls, case: RefundCaseView) -> RefundCase:
        return cls(
            id=case.id,
            name=case.name,
            state=case.state,
            origin=case.origin,
            case_number=case.case_number,
            invoice_id=case.invoice_id,
            refundable_amount=Money.of(case.refundable_amount),
            handling_fee=Money.of(case.handling_fee),
            payout_amount=Money.of(case.payout_amount),
            account=RefundAccount.of(case.account) if case.account is not None else None,
            etag=case.etag,
            status_message=case.status_message,
            create_time=case.create_time,
            update_time=case.update_time,
            paid_time=case.paid_time,
            next_page=next_page(case),
        )


class RefundCaseResponse(BaseModel):
    """One refund case."""

    refund_case: RefundCase


class VerifyRefundCaseRequest(BaseModel):
    """*Ilmoita tilinumero 1/3*: the case number and the MyRopo ID of the letter."""

    model_config = ConfigDict(extra="forbid")

    case_number: str = Field(max_length=40, description="10 digits; spaces and dashes allowed.")
    myropo_id: str = Field(max_length=40, description="12 symbols; spaces and dashes allowed.")


class RefundAccountRequest(BaseModel):
    """*Ilmoita tilinumero 2/3*: the account the refund is paid to."""

    model_config = ConfigDict(extra="forbid")

    iban: str = Field(max_length=64, description="IBAN of a SEPA country; spaces allowed.")
    bic: str = Field(default="", max_length=20, description="Optional for Finnish accounts.")
    holder_name: str = Field(max_length=200, description="Account holder's name.")
    request_id: UUID | None = Field(
        default=None, description="Idempotency key (UUID4): a retry returns the first answer."
    )


class ConfirmRefundAccountRequest(BaseModel):
    """*Ilmoita tilinumero 3/3*: confirm the account shown."""

    model_config = ConfigDict(extra="forbid")

    etag: str = Field(max_length=200, description="The etag of the case as shown.")
    request_id: UUID | None = Field(
        default=None, description="Idempotency key (UUID4): a retry returns the first answer."
    )
