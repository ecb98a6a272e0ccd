"""*Maksa* through the PSP: the forms that start a payment and the two ways the PSP answers.

- ``POST /laskut/{invoice_id}/maksa`` — *Maksa verkkopankissa* of one invoice (CSRF,
  ``request_id``) → 303 to the PSP's payment page;
- ``POST /laskut/maksa`` — *Maksa valitut* of the *Laskut* list (``invoice`` repeated);
- ``GET /maksu/paluu`` — the browser back from the PSP: every query parameter goes to
  ``HandlePspReturn`` (the payment service verifies the signature) → the receipt;
- ``GET /maksu/callback`` — the PSP's server calls the same way: ``OK`` (text) or a
  status that makes the PSP retry (503). No session is read or made, no CSRF.

A return whose signature does not verify changes nothing (the service refuses it), gets
400 and leaves one audit record (purpose ``psp_return``, outcome ``rejected``). The query
is never logged: it carries the PSP's signature.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Annotated, Final
from urllib.parse import urlsplit

import grpc
from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.payments import PaymentState, PaymentView, PspReturnKind
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.dashboard import ListingRequest
from ropo_gateway.myropo.deps import (
    AccessPolicyDep,
    Customer,
    CustomerDep,
    InvoiceAuthorizationsDep,
    InvoiceReaderDep,
    InvoiceSourceDep,
    LanguageDep,
    OnlinePaymentsDep,
    PaymentSourceDep,
    PaymentTimeDep,
)
from ropo_gateway.myropo.formatting import printed_reference
from ropo_gateway.myropo.payments import (
    MAX_INVOICES_PER_PAYMENT,
    NothingToPay,
    OnlinePayments,
    PaymentStart,
    idempotency_key,
    payment_problem,
    viewable_invoices,
)
from ropo_gateway.myropo.routes import (
    PAY_SELECTED_PATH,
    invoice_path,
    render_front_page,
    render_invoice_page,
)
from ropo_gateway.runtime import Runtime
from ropo_gateway.web.deps import RuntimeDep, SessionDep
from ropo_gateway.web.pages import render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.payments")

RETURN_PATH: Final = "/maksu/paluu"
CALLBACK_PATH: Final = "/maksu/callback"
#: The audit actor of a PSP return without a session (every callback).
ANONYMOUS: Final = "anonymous"
#: The audit resource of a refused PSP return: the payment is unknown (never the raw query).
UNKNOWN_PAYMENT: Final = "payments/-"
#: Reason recorded when the gateway itself refused the query's shape.
MALFORMED_QUERY: Final = "MALFORMED_QUERY"
# Paytrail sends about ten parameters with short values; anything far beyond is not a PSP.
MAX_PARAMETERS: Final = 50
MAX_KEY_LENGTH: Final = 64
MAX_VALUE_LENGTH: Final = 1024
_REASON: Final = re.compile(r"^[A-Z][A-Z0-9_]{0,79}$")
#: Payment state → the receipt shown (``maksu.receipt.<outcome>``).
_OUTCOMES: Final = {
    PaymentState.SUCCEEDED: "succeeded",
    PaymentState.SETTLED: "succeeded",
    PaymentState.FAILED: "failed",
}


def _problem_status(problem: str) -> HTTPStatus:
    return HTTPStatus.SERVICE_UNAVAILABLE if problem == "unavailable" else HTTPStatus.CONFLICT


def _redirect_to_psp(payment: PaymentView) -> Response | None:
    """303 to the PSP's page; ``None`` when the service sent something that is not an
    absolute http(s) URL (never redirect a browser to an arbitrary scheme)."""
    parts = urlsplit(payment.payment_page_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        _log.error("payment_page_url_invalid", payment=payment.name)
        return None
    return RedirectResponse(payment.payment_page_url, status_code=HTTPStatus.SEE_OTHER)


async def _start(
    payments: OnlinePayments, customer: Customer, start: PaymentStart
) -> Response | str:
    """The redirect to the PSP, or the problem to show (``maksu.problem.<key>``)."""
    try:
        payment = await payments.start(customer.subject, start)
    except NothingToPay:
        return "not_payable"
    except UpstreamError as error:
        if error.peer != "payment":
            raise
        _log.warning("payment_not_started", code=error.rpc_error.code.name)
        return payment_problem(error)
    return _redirect_to_psp(payment) or "unavailable"


def _csrf_refused(request: Request, customer: Customer, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    return render_error(request, "forbidden", 403, session=customer.session)


@router.post("/laskut/{invoice_id}/maksa")
async def pay_invoice(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    payments: OnlinePaymentsDep,
    language: LanguageDep,
    payment_time: PaymentTimeDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
) -> Response:
    """*Maksa verkkopankissa*: one invoice at its open amount → the PSP."""
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, "/laskut/{invoice_id}/maksa")
    start = PaymentStart(
        invoice_ids=[invoice_id],
        request_id=idempotency_key(request_id),
        return_url=runtime.settings.payment_return_url,
        language=language,
    )
    outcome = await _start(payments, customer, start)
    if isinstance(outcome, Response):
        return outcome
    return await render_invoice_page(
        request,
        runtime,
        customer,
        reader,
        valtuutus,
        invoice_id,
        language,
        payment_problem=outcome,
        status=_problem_status(outcome),
        payment_time=payment_time,
    )


@router.post(PAY_SELECTED_PATH)
async def pay_selected(
    request: Request,
    runtime: RuntimeDep,
    customer: CustomerDep,
    policy: AccessPolicyDep,
    invoices: InvoiceSourceDep,
    payments: OnlinePaymentsDep,
    language: LanguageDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    invoice: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """*Maksa valitut*: the invoices ticked on *Laskut*, one payment → the PSP."""
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, PAY_SELECTED_PATH)
    chosen = [value for value in dict.fromkeys(invoice or []) if value]
    if not chosen:
        problem, status = "none_selected", HTTPStatus.BAD_REQUEST
    elif len(chosen) > MAX_INVOICES_PER_PAYMENT:
        problem, status = "too_many", HTTPStatus.BAD_REQUEST
    else:
        start = PaymentStart(
            invoice_ids=chosen,
            request_id=idempotency_key(request_id),
            return_url=runtime.settings.payment_return_url,
            language=language,
        )
        outcome = await _start(payments, customer, start)
        if isinstance(outcome, Response):
            return outcome
        problem, status = outcome, _problem_status(outcome)
    return await render_front_page(
        request,
        runtime,
        customer,
        policy,
        invoices,
        language,
        ListingRequest(),
        payment_problem=problem,
        status=status,
    )


def psp_query(request: Request) -> dict[str, str] | None:
    """Every query parameter exactly as received, or ``None`` when the query cannot be a
    PSP message (a repeated name is ambiguous; oversized ones are not Paytrail's)."""
    items = request.query_params.multi_items()
    query = dict(items)
    if not items or len(items) > MAX_PARAMETERS or len(query) != len(items):
        return None
    for key, value in items:
        if len(key) > MAX_KEY_LENGTH or len(value) > MAX_VALUE_LENGTH:
            return None
    return query


def _rejection_reason(error: UpstreamError | None) -> str:
    # The service's UPPER_SNAKE reason (BAD_SIGNATURE, ...); nothing the sender wrote.
    reason = error.rpc_error.reason if error is not None else MALFORMED_QUERY
    return reason if reason and _REASON.match(reason) else "INVALID_ARGUMENT"


async def _record_rejection(
    runtime: Runtime, actor: str, channel: Channel, error: UpstreamError | None
) -> None:
    reason = _rejection_reason(error)
    _log.warning("psp_return_rejected", channel=channel.value, reason=reason)
    await runtime.audit.record(
        AuditEvent(
            actor=actor,
            resource=UNKNOWN_PAYMENT,
            purpose=Purpose.PSP_RETURN,
            outcome=Outcome.REJECTED,
            channel=channel,
            reason=reason,
        )
    )


def _is(error: UpstreamError, code: grpc.StatusCode) -> bool:
    return error.peer == "payment" and error.rpc_error.code == code


@router.get(RETURN_PATH)
async def payment_return(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    policy: AccessPolicyDep,
    payments: PaymentSourceDep,
) -> Response:
    """The browser back from the PSP (success or cancel URL): the receipt."""
    actor = session.identity.subject if session is not None else ANONYMOUS
    query = psp_query(request)
    if query is None:
        await _record_rejection(runtime, actor, Channel.MYROPO, None)
        return render_error(request, "psp_return_invalid", HTTPStatus.BAD_REQUEST)
    try:
        payment = await payments.handle_psp_return(PspReturnKind.REDIRECT, query, new_request_id())
    except UpstreamError as error:
        if _is(error, grpc.StatusCode.INVALID_ARGUMENT):
            await _record_rejection(runtime, actor, Channel.MYROPO, error)
            return render_error(request, "psp_return_invalid", HTTPStatus.BAD_REQUEST)
        if _is(error, grpc.StatusCode.NOT_FOUND):
            return render_error(request, "payment_not_found", HTTPStatus.NOT_FOUND)
        raise
    viewable = await viewable_invoices(policy, actor, payment) if session is not None else set()
    outcome = _OUTCOMES.get(payment.state, "pending")
    back_url = "/"
    if outcome == "failed" and len(payment.items) == 1 and payment.items[0].invoice in viewable:
        back_url = invoice_path(payment.items[0].invoice_id)
    return render(
        request,
        "payment_receipt.html",
        session=session,
        payment=payment,
        outcome=outcome,
        viewable=viewable,
        back_url=back_url,
        printed_reference=printed_reference,
        # The language switch must not carry the signed query along.
        here="/",
    )


@router.get(CALLBACK_PATH)
async def payment_callback(
    runtime: RuntimeDep, request: Request, payments: PaymentSourceDep
) -> Response:
    """The PSP's server-to-server call: ``OK``, or a status that tells it what happened
    (400 refused, 404 unknown transaction, 503 try again later)."""
    query = psp_query(request)
    if query is None:
        await _record_rejection(runtime, ANONYMOUS, Channel.PSP_CALLBACK, None)
        return PlainTextResponse("INVALID", status_code=HTTPStatus.BAD_REQUEST)
    try:
        await payments.handle_psp_return(PspReturnKind.CALLBACK, query, new_request_id())
    except UpstreamError as error:
        if _is(error, grpc.StatusCode.INVALID_ARGUMENT):
            await _record_rejection(runtime, ANONYMOUS, Channel.PSP_CALLBACK, error)
            return PlainTextResponse("INVALID", status_code=HTTPStatus.BAD_REQUEST)
        if _is(error, grpc.StatusCode.NOT_FOUND):
            return PlainTextResponse("NOT FOUND", status_code=HTTPStatus.NOT_FOUND)
        _log.warning("psp_callback_not_applied", code=error.rpc_error.code.name)
        return PlainTextResponse("UNAVAILABLE", status_code=HTTPStatus.SERVICE_UNAVAILABLE)
    return PlainTextResponse("OK")
