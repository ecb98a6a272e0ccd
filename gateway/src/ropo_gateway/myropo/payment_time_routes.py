"""*Maksuaika* pages: *Eräpäivän siirto* and *Maksusuunnitelma*, each in two steps.

- ``POST /laskut/{invoice_id}/erapaivan-siirto`` (``new_due_date``) — the confirmation
  page: the chosen new due date and the fee, *Vahvista siirto*;
- ``POST /laskut/{invoice_id}/erapaivan-siirto/vahvista`` (``new_due_date``,
  ``accepted_fee``) — ``ExtendDueDate`` → 303 to the invoice page, *Eräpäivä siirretty*;
- ``POST /laskut/{invoice_id}/maksusuunnitelma`` (``instalment_count``) — the schedule
  (every instalment's due date and amount, fee, total), *Vahvista maksusuunnitelma*;
- ``POST /laskut/{invoice_id}/maksusuunnitelma/vahvista`` (``instalment_count``,
  ``accepted_fee``) — ``CreatePaymentPlan`` → 303 to the invoice page.

Every route asks ``CheckAccess(ACTION_MANAGE_PAYMENT_TIME)`` first (someone else's invoice:
the one 404 and an audit record, nothing else is called), then checks the CSRF token.
The page's ``request_id`` rides through both steps, so a double submission acts once.
A refusal (fee changed, no longer allowed, bad input, service down) is the invoice page
again with a readable notice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.myropo.deps import (
    Customer,
    CustomerDep,
    InvoiceAuthorizationsDep,
    InvoiceReaderDep,
    LanguageDep,
    PaymentTimeDep,
)
from ropo_gateway.myropo.notices import Notice, set_notice
from ropo_gateway.myropo.payment_time import (
    PaymentTime,
    PaymentTimeProblem,
    idempotency_key,
    invalid_input,
    parse_count,
    parse_date,
    parse_fee,
)
from ropo_gateway.myropo.payment_time_views import (
    extension_notice_details,
    fee_field,
    payment_time_paths,
)
from ropo_gateway.myropo.routes import invoice_path, render_invoice_page
from ropo_gateway.web.deps import RuntimeDep
from ropo_gateway.web.pages import render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.payment_time")

_PATHS = payment_time_paths("{invoice_id}")
EXTENSION_PATH = _PATHS.extension
EXTENSION_CONFIRM_PATH = _PATHS.extension_confirm
PLAN_PATH = _PATHS.plan
PLAN_CONFIRM_PATH = _PATHS.plan_confirm


def _csrf_refused(request: Request, customer: Customer, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    return render_error(request, "forbidden", 403, session=customer.session)


async def _problem_page(
    request: Request,
    runtime: RuntimeDep,
    customer: Customer,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    payment_time: PaymentTime,
    invoice_id: str,
    language: str,
    problem: PaymentTimeProblem,
) -> Response:
    _log.info("payment_time_refused", problem=problem.key, reason=problem.reason)
    return await render_invoice_page(
        request,
        runtime,
        customer,
        reader,
        valtuutus,
        invoice_id,
        language,
        status=problem.status,
        payment_time=payment_time,
        payment_time_problem=problem.key,
    )


@router.post(EXTENSION_PATH)
async def extension_preview(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    payment_time: PaymentTimeDep,
    language: LanguageDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    new_due_date: Annotated[str | None, Form()] = None,
) -> Response:
    """The chosen new due date and the fee, before anything changes."""
    access = await payment_time.require(customer.subject, invoice_id)
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, EXTENSION_PATH)
    try:
        chosen = parse_date(new_due_date)
        option = (await payment_time.options(access, language)).extension
        if not option.available:
            raise PaymentTimeProblem("not_allowed", 409, option.unavailable_reason)
        earliest, latest = option.earliest_due_date, option.latest_due_date
        if (earliest and chosen < earliest) or (latest and chosen > latest):
            raise invalid_input()
    except PaymentTimeProblem as problem:
        return await _problem_page(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            payment_time,
            invoice_id,
            language,
            problem,
        )
    return render(
        request,
        "payment_time_confirm.html",
        session=customer.session,
        kind="extension",
        invoice_url=invoice_path(access.id),
        confirm_url=payment_time_paths(access.id).extension_confirm,
        request_id=idempotency_key(request_id),
        new_due_date=chosen,
        fee=option.fee,
        fee_value=fee_field(option.fee),
    )


@router.post(EXTENSION_CONFIRM_PATH)
async def extension_confirm(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    payment_time: PaymentTimeDep,
    language: LanguageDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    new_due_date: Annotated[str | None, Form()] = None,
    accepted_fee: Annotated[str | None, Form()] = None,
) -> Response:
    """*Vahvista siirto*: ``ExtendDueDate`` → the invoice page with the new due date."""
    access = await payment_time.require(customer.subject, invoice_id)
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, EXTENSION_CONFIRM_PATH)
    try:
        chosen = parse_date(new_due_date)
        result = await payment_time.extend(
            access, chosen, parse_fee(accepted_fee), idempotency_key(request_id), language
        )
    except PaymentTimeProblem as problem:
        return await _problem_page(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            payment_time,
            invoice_id,
            language,
            problem,
        )
    response = RedirectResponse(invoice_path(access.id), status_code=303)
    set_notice(
        response,
        runtime.settings,
        Notice.DUE_DATE_EXTENDED,
        access.id,
        *extension_notice_details(chosen, result.fee),
    )
    return response


@router.post(PLAN_PATH)
async def plan_preview(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    payment_time: PaymentTimeDep,
    language: LanguageDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    instalment_count: Annotated[str | None, Form()] = None,
) -> Response:
    """The full schedule of the chosen plan, before anything changes."""
    access = await payment_time.require(customer.subject, invoice_id)
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, PLAN_PATH)
    try:
        count = parse_count(instalment_count)
        option = (await payment_time.options(access, language)).plan
        if not option.available:
            raise PaymentTimeProblem("not_allowed", 409, option.unavailable_reason)
        choice = option.choice(count)
        if choice is None:
            raise invalid_input()
    except PaymentTimeProblem as problem:
        return await _problem_page(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            payment_time,
            invoice_id,
            language,
            problem,
        )
    return render(
        request,
        "payment_time_confirm.html",
        session=customer.session,
        kind="plan",
        invoice_url=invoice_path(access.id),
        confirm_url=payment_time_paths(access.id).plan_confirm,
        request_id=idempotency_key(request_id),
        choice=choice,
        fee=choice.fee,
        fee_value=fee_field(choice.fee),
    )


@router.post(PLAN_CONFIRM_PATH)
async def plan_confirm(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    payment_time: PaymentTimeDep,
    language: LanguageDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    instalment_count: Annotated[str | None, Form()] = None,
    accepted_fee: Annotated[str | None, Form()] = None,
) -> Response:
    """*Vahvista maksusuunnitelma*: ``CreatePaymentPlan`` → the invoice page with the plan."""
    access = await payment_time.require(customer.subject, invoice_id)
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, PLAN_CONFIRM_PATH)
    try:
        await payment_time.create_plan(
            access,
            parse_count(instalment_count),
            parse_fee(accepted_fee),
            idempotency_key(request_id),
            language,
        )
    except PaymentTimeProblem as problem:
        return await _problem_page(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            payment_time,
            invoice_id,
            language,
            problem,
        )
    response = RedirectResponse(invoice_path(access.id), status_code=303)
    set_notice(response, runtime.settings, Notice.PAYMENT_PLAN_CREATED, access.id)
    return response
