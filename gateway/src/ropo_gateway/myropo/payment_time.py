"""*Maksuaika* for a MyRopo person: *Eräpäivän siirto* and *Maksusuunnitelma*.

Every use starts with ``CheckAccess(ACTION_MANAGE_PAYMENT_TIME)`` (the debtor and the
persons they authorized; a lookup grant does not carry it): a refusal is the one
``invoice_not_found()`` with one audit record. The invoice page only *probes* the action
(``permits``) to decide whether the section is shown at all.

The invoice service decides what is possible and at what fee; the gateway shows its
answer, passes the fee the person saw back as ``accepted_fee`` (the service refuses with
``FEE_CHANGED`` when it would now differ) and reuses the page's ``request_id`` so that a
double submission acts once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from typing import Final, Protocol

import grpc
from ropo_platform.logging import get_logger
from ropo_platform.money import InvalidMoney, Money

from ropo_gateway.clients.authorization import Action, new_request_id
from ropo_gateway.clients.invoices import ExtensionOrder, ExtensionResult, PlanOrder, PlanResult
from ropo_gateway.clients.payment_time import DEFAULT_CURRENCY, PaymentTimeOptions
from ropo_gateway.errors import UpstreamError, invoice_not_found
from ropo_gateway.myropo.access import InvoiceAccess, InvoiceAccessPolicy

_log = get_logger("ropo_gateway.payment_time")

#: Reason of ``FAILED_PRECONDITION`` when the fee shown is no longer the fee.
FEE_CHANGED: Final = "FEE_CHANGED"
MAX_INSTALMENTS: Final = 120


class PaymentTimeSource(Protocol):
    """The invoice service's payment-time calls (``InvoiceClient``)."""

    async def payment_time_options(
        self, invoice: str, language_code: str
    ) -> PaymentTimeOptions: ...

    async def extend_due_date(self, order: ExtensionOrder) -> ExtensionResult: ...

    async def create_payment_plan(self, order: PlanOrder) -> PlanResult: ...


class PaymentTimeProblem(Exception):
    """Why a payment-time request did not go through; ``key`` names the text
    (``maksuaika.problem.<key>``) and ``status`` the HTTP status of the answer."""

    def __init__(self, key: str, status: int, reason: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.status = status
        self.reason = reason or key.upper()


def invalid_input() -> PaymentTimeProblem:
    return PaymentTimeProblem("invalid", HTTPStatus.BAD_REQUEST, "INVALID_REQUEST")


def problem_of(error: UpstreamError) -> PaymentTimeProblem:
    """The readable problem of a refusal by the invoice service; anything unexpected is
    re-raised (it is an error page, not a notice)."""
    code = error.rpc_error.code
    if error.unavailable or code == grpc.StatusCode.UNIMPLEMENTED:
        return PaymentTimeProblem("unavailable", HTTPStatus.SERVICE_UNAVAILABLE)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        if error.rpc_error.reason == FEE_CHANGED:
            return PaymentTimeProblem("fee_changed", HTTPStatus.CONFLICT, FEE_CHANGED)
        return PaymentTimeProblem(
            "not_allowed", HTTPStatus.CONFLICT, error.rpc_error.reason or "NOT_ALLOWED"
        )
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
        return invalid_input()
    if code in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.ABORTED):
        return PaymentTimeProblem(
            "not_allowed", HTTPStatus.CONFLICT, error.rpc_error.reason or "NOT_ALLOWED"
        )
    raise error


def parse_date(value: str | None) -> date:
    """An ISO date from a form or JSON body, else ``invalid``."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise invalid_input() from None


def parse_fee(value: str | None, currency: str = DEFAULT_CURRENCY) -> Money:
    """A non-negative decimal string (``5.00``) as exact money, else ``invalid``."""
    text = (value or "").strip()
    if not text or len(text) > 20:
        raise invalid_input()
    try:
        money = Money(text, currency)
    except InvalidMoney:
        raise invalid_input() from None
    if money.is_negative():
        raise invalid_input()
    return money


def parse_count(value: str | int | None) -> int:
    """An instalment count within sense, else ``invalid``."""
    try:
        count = int(value or 0)
    except (TypeError, ValueError):
        raise invalid_input() from None
    if not 1 <= count <= MAX_INSTALMENTS:
        raise invalid_input()
    return count


def idempotency_key(submitted: str | None) -> str:
    """The form's key when it looks like one (a double submit then acts once), else new."""
    try:
        return str(uuid.UUID(submitted or ""))
    except ValueError:
        return new_request_id()


@dataclass(frozen=True, slots=True)
class PaymentTimeSection:
    """The *Maksuaika* section of the invoice page: the options (``None`` when the service
    could not answer) and a fresh idempotency key for its forms."""

    options: PaymentTimeOptions | None
    request_id: str


class PaymentTime:
    """*Eräpäivän siirto* and *Maksusuunnitelma* on behalf of one person."""

    def __init__(self, policy: InvoiceAccessPolicy, source: PaymentTimeSource) -> None:
        self._policy = policy
        self._source = source

    async def require(self, subject: str, invoice_id: str) -> InvoiceAccess:
        """The access for managing payment time, or (audited) the one 404."""
        return await self._policy.require(subject, invoice_id, Action.MANAGE_PAYMENT_TIME)

    async def section(self, access: InvoiceAccess, language: str) -> PaymentTimeSection | None:
        """The section for a person who may manage payment time; ``None`` (no section) for
        anyone else. A failing service leaves the rest of the invoice page usable."""
        if not await self._policy.permits(access, Action.MANAGE_PAYMENT_TIME):
            return None
        try:
            options: PaymentTimeOptions | None = await self._source.payment_time_options(
                access.invoice, language
            )
        except UpstreamError as error:
            _log.warning("payment_time_options_unavailable", code=error.rpc_error.code.name)
            options = None
        return PaymentTimeSection(options, new_request_id())

    async def options(self, access: InvoiceAccess, language: str) -> PaymentTimeOptions:
        """The options now (for a confirmation page or the API)."""
        try:
            return await self._source.payment_time_options(access.invoice, language)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise problem_of(error) from None

    async def extend(
        self,
        access: InvoiceAccess,
        new_due_date: date,
        accepted_fee: Money,
        request_id: str,
        language: str,
    ) -> ExtensionResult:
        """``ExtendDueDate`` with the date and fee the person confirmed."""
        order = ExtensionOrder(
            request_id=request_id,
            invoice=access.invoice,
            new_due_date=new_due_date,
            accepted_fee=accepted_fee,
            actor=access.subject,
            language_code=language,
        )
        try:
            return await self._source.extend_due_date(order)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise problem_of(error) from None

    async def create_plan(
        self,
        access: InvoiceAccess,
        instalment_count: int,
        accepted_fee: Money,
        request_id: str,
        language: str,
    ) -> PlanResult:
        """``CreatePaymentPlan`` with the count and fee the person confirmed."""
        order = PlanOrder(
            request_id=request_id,
            invoice=access.invoice,
            instalment_count=instalment_count,
            accepted_fee=accepted_fee,
            actor=access.subject,
            language_code=language,
        )
        try:
            return await self._source.create_payment_plan(order)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise problem_of(error) from None
