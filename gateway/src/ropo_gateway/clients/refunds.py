"""Client of ``ropo.refund.v1.RefundService``: *Ilmoita tilinumero*, refunds and payouts.

The refund service decides who may continue the wizard (a person who verified the
case recently, ``subject``) and what staff may do (``actor_roles``); the gateway asks
the person's or staff user's rights before it calls, and maps the answers once into
plain values (``Money``, ``datetime``) the pages and JSON APIs read. An IBAN only ever
arrives masked; the full one goes out in ``SubmitRefundAccount`` and
``ChangeRefundAccount`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Final

import grpc.aio
from google.protobuf.message import Message
from google.type import date_pb2
from ropo.refund.v1 import (
    payout_batch_pb2,
    refund_case_pb2,
    refund_service_pb2,
    refund_service_pb2_grpc,
)
from ropo_platform.money import Money
from ropo_platform.money_proto import optional_money_from_proto

from ropo_gateway.clients.base import translate_errors

PEER: Final = "refund"
REFUND_CASES_PREFIX: Final = "refundCases/"
PAYOUT_BATCHES_PREFIX: Final = "payoutBatches/"
DEFAULT_CURRENCY: Final = "EUR"
#: The service's default and largest page.
DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 1000


class RefundState(StrEnum):
    """Lifecycle of a refund case (``RefundCase.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    AWAITING_ACCOUNT = "AWAITING_ACCOUNT"
    ACCOUNT_SUBMITTED = "ACCOUNT_SUBMITTED"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    APPROVED = "APPROVED"
    IN_PAYOUT = "IN_PAYOUT"
    PAID = "PAID"
    REJECTED = "REJECTED"

    @property
    def proto(self) -> int:
        """The wire value (``RefundCase.STATE_*``)."""
        return int(refund_case_pb2.RefundCase.State.Value(f"STATE_{self.value}"))


#: States in which the person has confirmed an account (or staff set one): the wizard is
#: over and only the receipt is shown.
CONFIRMED_STATES: Final = frozenset(
    {
        RefundState.MANUAL_REVIEW,
        RefundState.AWAITING_APPROVAL,
        RefundState.APPROVED,
        RefundState.IN_PAYOUT,
        RefundState.PAID,
        RefundState.REJECTED,
    }
)
#: Final states: nothing changes any more.
FINAL_STATES: Final = frozenset({RefundState.PAID, RefundState.REJECTED})


class RefundOrigin(StrEnum):
    """Where the money came from (``RefundOrigin`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    OVERPAYMENT = "OVERPAYMENT"
    UNCLEAR_PAYMENT = "UNCLEAR_PAYMENT"
    CREDIT_NOTE = "CREDIT_NOTE"


class PayoutBatchState(StrEnum):
    """Lifecycle of a payout batch (``PayoutBatch.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    EXPORTED = "EXPORTED"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True, slots=True)
class RefundAccountView:
    """A reported account, masked (``FI49 **** **** **** 56``)."""

    masked_iban: str
    bic: str
    holder_name: str
    confirmed: bool
    reporter: str
    report_time: datetime | None
    replaced_by: str
    replace_reason: str
    replace_time: datetime | None


@dataclass(frozen=True, slots=True)
class RefundCaseView:
    """A refund case as the pages and the APIs show it."""

    name: str
    state: RefundState
    origin: RefundOrigin
    case_number: str
    invoice: str
    payment: str
    debtor_party: str
    debtor_display_name: str
    refundable_amount: Money
    handling_fee: Money
    payout_amount: Money
    account: RefundAccountView | None
    payout_batch: str
    status_message: str
    etag: str
    create_time: datetime | None
    update_time: datetime | None
    paid_time: datetime | None
    approver: str
    approve_time: datetime | None
    previous_accounts: tuple[RefundAccountView, ...]
    failed_payout_count: int

    @property
    def id(self) -> str:
        """The id used in URLs (``refundCases/{id}`` → ``{id}``)."""
        return self.name.removeprefix(REFUND_CASES_PREFIX)

    @property
    def invoice_id(self) -> str:
        """The id of the invoice concerned ('' for an unclear payment)."""
        return self.invoice.removeprefix("invoices/")

    @property
    def confirmed(self) -> bool:
        """True once the wizard is over (the receipt is what the person sees)."""
        return self.state in CONFIRMED_STATES


@dataclass(frozen=True, slots=True)
class RefundCasePage:
    """One page of ``ListRefundCases``."""

    cases: tuple[RefundCaseView, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class PayoutBatchView:
    """A payout batch (one pain.001 file)."""

    name: str
    state: PayoutBatchState
    message_id: str
    refund_cases: tuple[str, ...]
    total_amount: Money
    execution_date: date | None
    create_time: datetime | None
    exporter: str
    paid_count: int
    failed_count: int
    status_time: datetime | None

    @property
    def id(self) -> str:
        """The id used in URLs (``payoutBatches/{id}`` → ``{id}``)."""
        return self.name.removeprefix(PAYOUT_BATCHES_PREFIX)


@dataclass(frozen=True, slots=True)
class PayoutBatchPage:
    """One page of ``ListPayoutBatches`` (newest first)."""

    batches: tuple[PayoutBatchView, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class PayoutFile:
    """A batch and its pain.001 file exactly as exported."""

    batch: PayoutBatchView
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class RefundLetter:
    """The letter (PDF) of a case."""

    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class PayoutStatusImport:
    """What one imported pain.002 changed."""

    batch: PayoutBatchView
    paid_count: int
    failed_count: int


@dataclass(frozen=True, slots=True)
class StaffActor:
    """The staff user acting and the roles the service checks (``agent``, ``supervisor``)."""

    subject: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountInput:
    """An account as typed: the IBAN (spaces allowed), an optional BIC and the holder."""

    iban: str
    bic: str
    holder_name: str


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _date(parent: Message, name: str) -> date | None:
    if not parent.HasField(name):
        return None
    value: date_pb2.Date = getattr(parent, name)
    if not value.year or not value.month or not value.day:
        return None
    return date(value.year, value.month, value.day)


def _money(parent: Message, name: str, currency: str = DEFAULT_CURRENCY) -> Money:
    return optional_money_from_proto(parent, name) or Money.zero(currency)


def refund_state(value: int) -> RefundState:
    """The state of a wire value (``UNSPECIFIED`` for one this gateway does not know)."""
    try:
        name = refund_case_pb2.RefundCase.State.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return RefundState.UNSPECIFIED
    return RefundState.__members__.get(name.removeprefix("STATE_"), RefundState.UNSPECIFIED)


def refund_origin(value: int) -> RefundOrigin:
    try:
        name = refund_case_pb2.RefundOrigin.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return RefundOrigin.UNSPECIFIED
    key = name.removeprefix("REFUND_ORIGIN_")
    return RefundOrigin.__members__.get(key, RefundOrigin.UNSPECIFIED)


def account_view(message: refund_case_pb2.RefundAccount) -> RefundAccountView:
    return RefundAccountView(
        masked_iban=message.masked_iban,
        bic=message.bic,
        holder_name=message.holder_name,
        confirmed=message.confirmed,
        reporter=message.reporter,
        report_time=_time(message, "report_time"),
        replaced_by=message.replaced_by,
        replace_reason=message.replace_reason,
        replace_time=_time(message, "replace_time"),
    )


def refund_case_view(message: refund_case_pb2.RefundCase) -> RefundCaseView:
    """Map the wire message; pages and APIs read only this."""
    refundable = _money(message, "refundable_amount")
    currency = refundable.currency
    return RefundCaseView(
        name=message.name,
        state=refund_state(message.state),
        origin=refund_origin(message.origin),
        case_number=message.case_number,
        invoice=message.invoice,
        payment=message.payment,
        debtor_party=message.debtor_party,
        debtor_display_name=message.debtor_display_name,
        refundable_amount=refundable,
        handling_fee=_money(message, "handling_fee", currency),
        payout_amount=_money(message, "payout_amount", currency),
        account=account_view(message.account) if message.HasField("account") else None,
        payout_batch=message.payout_batch,
        status_message=message.status_message,
        etag=message.etag,
        create_time=_time(message, "create_time"),
        update_time=_time(message, "update_time"),
        paid_time=_time(message, "paid_time"),
        approver=message.approver,
        approve_time=_time(message, "approve_time"),
        previous_accounts=tuple(account_view(item) for item in message.previous_accounts),
        failed_payout_count=message.failed_payout_count,
    )


def payout_batch_view(message: payout_batch_pb2.PayoutBatch) -> PayoutBatchView:
    name = payout_batch_pb2.PayoutBatch.State.Name(message.state).removeprefix("STATE_")
    return PayoutBatchView(
        name=message.name,
        state=PayoutBatchState.__members__.get(name, PayoutBatchState.UNSPECIFIED),
        message_id=message.message_id,
        refund_cases=tuple(message.refund_cases),
        total_amount=_money(message, "total_amount"),
        execution_date=_date(message, "execution_date"),
        create_time=_time(message, "create_time"),
        exporter=message.exporter,
        paid_count=message.paid_count,
        failed_count=message.failed_count,
        status_time=_time(message, "status_time"),
    )


def _date_proto(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


#: Deadline of the two calls that handle a whole payout batch: they take about 2–4 ms per
#: refund (docs/performance.md), and one cut off at the usual deadline is rolled back and
#: would only be repeated, so a large batch gets minutes, not seconds.
BATCH_TIMEOUT_SECONDS = 300.0


class RefundClient:
    """Typed wrapper of the generated stub; every call has the channel's deadline, the
    payout-batch export and import a longer one."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = refund_service_pb2_grpc.RefundServiceStub(channel)
        self._timeout = timeout_seconds
        self._batch_timeout = max(timeout_seconds, BATCH_TIMEOUT_SECONDS)

    # ---------------------------------------------------------------- the wizard

    async def verify_refund_case(
        self, request_id: str, subject: str, case_number: str, myropo_id: str
    ) -> RefundCaseView:
        """Step 1: NOT_FOUND for every kind of miss, RESOURCE_EXHAUSTED when locked."""
        async with translate_errors(PEER):
            response = await self._stub.VerifyRefundCase(
                refund_service_pb2.VerifyRefundCaseRequest(
                    request_id=request_id,
                    subject=subject,
                    case_number=case_number,
                    myropo_id=myropo_id,
                ),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    async def submit_refund_account(
        self, request_id: str, refund_case: str, subject: str, account: AccountInput
    ) -> RefundCaseView:
        """Step 2: the account to confirm; INVALID_ARGUMENT with field violations."""
        async with translate_errors(PEER):
            response = await self._stub.SubmitRefundAccount(
                refund_service_pb2.SubmitRefundAccountRequest(
                    request_id=request_id,
                    refund_case=refund_case,
                    subject=subject,
                    iban=account.iban,
                    bic=account.bic,
                    holder_name=account.holder_name,
                ),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    async def confirm_refund_account(
        self, request_id: str, refund_case: str, subject: str, etag: str
    ) -> RefundCaseView:
        """Step 3: ABORTED when the case changed since ``etag``."""
        async with translate_errors(PEER):
            response = await self._stub.ConfirmRefundAccount(
                refund_service_pb2.ConfirmRefundAccountRequest(
                    request_id=request_id, refund_case=refund_case, subject=subject, etag=etag
                ),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    # ---------------------------------------------------------------- reads

    async def get_refund_case(self, name: str, subject: str = "") -> RefundCaseView:
        """One case; with ``subject`` only when that person verified it recently."""
        async with translate_errors(PEER):
            response = await self._stub.GetRefundCase(
                refund_service_pb2.GetRefundCaseRequest(name=name, subject=subject),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    async def list_refund_cases(
        self,
        *,
        states: Sequence[RefundState] = (),
        debtor_party: str = "",
        invoice: str = "",
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str = "",
    ) -> RefundCasePage:
        """One page of cases (oldest first) in ``states`` (all when empty)."""
        async with translate_errors(PEER):
            response = await self._stub.ListRefundCases(
                refund_service_pb2.ListRefundCasesRequest(
                    page_size=min(page_size, MAX_PAGE_SIZE),
                    page_token=page_token,
                    states=[state.proto for state in states],  # type: ignore[misc]
                    debtor_party=debtor_party,
                    invoice=invoice,
                ),
                timeout=self._timeout,
            )
        return RefundCasePage(
            tuple(refund_case_view(item) for item in response.refund_cases),
            response.next_page_token,
        )

    async def list_payout_batches(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, page_token: str = ""
    ) -> PayoutBatchPage:
        """One page of batches, newest first."""
        async with translate_errors(PEER):
            response = await self._stub.ListPayoutBatches(
                refund_service_pb2.ListPayoutBatchesRequest(
                    page_size=min(page_size, MAX_PAGE_SIZE), page_token=page_token
                ),
                timeout=self._timeout,
            )
        return PayoutBatchPage(
            tuple(payout_batch_view(item) for item in response.payout_batches),
            response.next_page_token,
        )

    async def get_payout_batch(self, name: str) -> PayoutFile:
        """One batch and its pain.001 file."""
        async with translate_errors(PEER):
            response = await self._stub.GetPayoutBatch(
                refund_service_pb2.GetPayoutBatchRequest(name=name), timeout=self._timeout
            )
        return PayoutFile(
            payout_batch_view(response.payout_batch),
            response.content,
            response.media_type,
            response.filename,
        )

    async def get_refund_letter(self, refund_case: str, language_code: str) -> RefundLetter:
        """The case's letter (PDF) in ``language_code``."""
        async with translate_errors(PEER):
            response = await self._stub.GetRefundLetter(
                refund_service_pb2.GetRefundLetterRequest(
                    refund_case=refund_case, language_code=language_code
                ),
                timeout=self._timeout,
            )
        return RefundLetter(response.content, response.media_type, response.filename)

    # ---------------------------------------------------------------- staff actions

    async def approve_refund(
        self, request_id: str, name: str, actor: StaffActor, etag: str
    ) -> RefundCaseView:
        async with translate_errors(PEER):
            response = await self._stub.ApproveRefund(
                refund_service_pb2.ApproveRefundRequest(
                    request_id=request_id,
                    name=name,
                    actor=actor.subject,
                    actor_roles=list(actor.roles),
                    etag=etag,
                ),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    async def reject_refund(
        self, request_id: str, name: str, actor: StaffActor, reason: str
    ) -> RefundCaseView:
        async with translate_errors(PEER):
            response = await self._stub.RejectRefund(
                refund_service_pb2.RejectRefundRequest(
                    request_id=request_id,
                    name=name,
                    actor=actor.subject,
                    actor_roles=list(actor.roles),
                    reason=reason,
                ),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    async def change_refund_account(
        self, request_id: str, name: str, actor: StaffActor, account: AccountInput, reason: str
    ) -> RefundCaseView:
        async with translate_errors(PEER):
            response = await self._stub.ChangeRefundAccount(
                refund_service_pb2.ChangeRefundAccountRequest(
                    request_id=request_id,
                    name=name,
                    actor=actor.subject,
                    actor_roles=list(actor.roles),
                    iban=account.iban,
                    bic=account.bic,
                    holder_name=account.holder_name,
                    reason=reason,
                ),
                timeout=self._timeout,
            )
        return refund_case_view(response.refund_case)

    async def export_payout_batch(
        self, request_id: str, actor: StaffActor, execution_date: date | None = None
    ) -> PayoutFile:
        """Every approved refund not yet in a batch into one pain.001 file;
        FAILED_PRECONDITION ``NO_APPROVED_REFUNDS`` when there is none."""
        request = refund_service_pb2.ExportPayoutBatchRequest(
            request_id=request_id, actor=actor.subject, actor_roles=list(actor.roles)
        )
        if execution_date is not None:
            request.execution_date.CopyFrom(_date_proto(execution_date))
        async with translate_errors(PEER):
            response = await self._stub.ExportPayoutBatch(request, timeout=self._batch_timeout)
        return PayoutFile(
            payout_batch_view(response.payout_batch),
            response.content,
            response.media_type,
            response.filename,
        )

    async def import_payout_status(
        self, request_id: str, actor: StaffActor, content: bytes
    ) -> PayoutStatusImport:
        """The bank's pain.002 report: refunds paid or back to awaiting an account."""
        async with translate_errors(PEER):
            response = await self._stub.ImportPayoutStatus(
                refund_service_pb2.ImportPayoutStatusRequest(
                    request_id=request_id,
                    content=content,
                    actor=actor.subject,
                    actor_roles=list(actor.roles),
                ),
                timeout=self._batch_timeout,
            )
        return PayoutStatusImport(
            payout_batch_view(response.payout_batch), response.paid_count, response.failed_count
        )
