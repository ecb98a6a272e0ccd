"""*Ilmoita tilinumero*: the three steps and the receipt (server-rendered, CSRF-protected).

- ``GET /tilinumero`` (``?asia=`` pre-fills the case number) and ``POST /tilinumero``
  (``case_number``, ``myropo_id``) — *Ilmoita tilinumero 1/3*: ``VerifyRefundCase`` → 303
  to step 2, or to the receipt when the account is already confirmed. Every miss is the
  same page (404, one message, only the case number shown back); too many misses 429;
- ``GET``/``POST /tilinumero/{refund_case_id}/tili`` (``iban``, ``bic``, ``holder_name``,
  ``request_id``) — *2/3*: ``SubmitRefundAccount`` → 303 to step 3; refused fields are the
  form again (422) with the values kept and a message per field;
- ``GET``/``POST /tilinumero/{refund_case_id}/vahvista`` (``etag``, ``request_id``) —
  *3/3*: ``ConfirmRefundAccount`` → 303 to the receipt; a stale etag shows step 3 again
  (409), an account already confirmed the receipt with a notice (409);
- ``GET /tilinumero/{refund_case_id}/valmis`` — the receipt.

Every ``{refund_case_id}`` route reads the case with the session's subject first: a case the
person did not verify answers exactly like a missing one (404) and leaves one audit record.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.refunds import AccountInput, RefundCaseView, RefundState
from ropo_gateway.myropo.deps import Customer, CustomerDep, RefundWizardDep
from ropo_gateway.myropo.refund_views import (
    REFUND_PATH,
    AccountForm,
    VerifyForm,
    next_page,
    refund_paths,
)
from ropo_gateway.myropo.refunds import (
    AccountRejected,
    RefundProblem,
    idempotency_key,
    typed_case_number,
)
from ropo_gateway.web.pages import render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.refunds")

_PATHS = refund_paths("{refund_case_id}")
ACCOUNT_PATH = _PATHS.account
CONFIRM_PATH = _PATHS.confirm
RECEIPT_PATH = _PATHS.receipt


def _csrf_refused(request: Request, customer: Customer, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    return render_error(request, "forbidden", 403, session=customer.session)


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _verify_page(request: Request, customer: Customer, form: VerifyForm, status: int) -> Response:
    return render(
        request,
        "refund_step1.html",
        session=customer.session,
        status_code=status,
        form=form,
        action=REFUND_PATH,
    )


def _account_page(
    request: Request,
    customer: Customer,
    case: RefundCaseView,
    form: AccountForm,
    status: int = 200,
) -> Response:
    return render(
        request,
        "refund_step2.html",
        session=customer.session,
        status_code=status,
        case=case,
        form=form,
        paths=refund_paths(case.id),
    )


def _confirm_page(
    request: Request,
    customer: Customer,
    case: RefundCaseView,
    *,
    notice: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "refund_step3.html",
        session=customer.session,
        status_code=status,
        case=case,
        request_id=new_request_id(),
        notice=notice,
        paths=refund_paths(case.id),
    )


def _receipt_page(
    request: Request,
    customer: Customer,
    case: RefundCaseView,
    *,
    notice: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "refund_receipt.html",
        session=customer.session,
        status_code=status,
        case=case,
        notice=notice,
    )


@router.get(REFUND_PATH)
async def verify_page(request: Request, customer: CustomerDep, asia: str = "") -> Response:
    """*Ilmoita tilinumero 1/3*: what is needed and the form."""
    return _verify_page(request, customer, VerifyForm(case_number=typed_case_number(asia)), 200)


@router.post(REFUND_PATH)
async def verify_submit(
    request: Request,
    customer: CustomerDep,
    wizard: RefundWizardDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    case_number: Annotated[str | None, Form()] = None,
    myropo_id: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, REFUND_PATH)
    try:
        case = await wizard.verify(customer.subject, case_number or "", myropo_id or "")
    except RefundProblem as problem:
        _log.info("refund_verification_refused", reason=problem.reason)
        form = VerifyForm(
            case_number=typed_case_number(case_number),
            failed=problem.key == "not_found",
            locked=problem.key == "locked",
        )
        response = _verify_page(request, customer, form, problem.status)
        if problem.retry_after_seconds:
            response.headers["Retry-After"] = str(problem.retry_after_seconds)
        return response
    paths = refund_paths(case.id)
    return _see_other(paths.receipt if case.confirmed else paths.account)


@router.get(ACCOUNT_PATH)
async def account_page(
    request: Request, refund_case_id: str, customer: CustomerDep, wizard: RefundWizardDep
) -> Response:
    """*Ilmoita tilinumero 2/3*: the amounts and the account form."""
    case = await wizard.case_of(customer.subject, refund_case_id)
    if case.confirmed:
        return _see_other(refund_paths(case.id).receipt)
    return _account_page(request, customer, case, AccountForm.of(case, new_request_id()))


@router.post(ACCOUNT_PATH)
async def account_submit(
    request: Request,
    refund_case_id: str,
    customer: CustomerDep,
    wizard: RefundWizardDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    iban: Annotated[str | None, Form()] = None,
    bic: Annotated[str | None, Form()] = None,
    holder_name: Annotated[str | None, Form()] = None,
) -> Response:
    case = await wizard.case_of(customer.subject, refund_case_id)
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, ACCOUNT_PATH)
    account = AccountInput(iban=iban or "", bic=bic or "", holder_name=holder_name or "")
    try:
        await wizard.submit(customer.subject, case, account, idempotency_key(request_id))
    except AccountRejected as rejected:
        # A new key: the corrected account is another request, not a replay of this one.
        form = AccountForm(
            values={"iban": account.iban, "bic": account.bic, "holder_name": account.holder_name},
            errors=rejected.errors,
            request_id=new_request_id(),
        )
        return _account_page(request, customer, case, form, status=422)
    except RefundProblem as problem:
        _log.info("refund_account_refused", reason=problem.reason)
        if problem.key == "already_confirmed":
            return _receipt_page(
                request, customer, case, notice="refund.already_confirmed", status=problem.status
            )
        form = AccountForm(errors={"form": f"refund.{problem.key}"}, request_id=new_request_id())
        return _account_page(request, customer, case, form, status=problem.status)
    return _see_other(refund_paths(case.id).confirm)


@router.get(CONFIRM_PATH)
async def confirm_page(
    request: Request, refund_case_id: str, customer: CustomerDep, wizard: RefundWizardDep
) -> Response:
    """*Ilmoita tilinumero 3/3*: what is paid to which account, *Vahvista*."""
    case = await wizard.case_of(customer.subject, refund_case_id)
    if case.state is not RefundState.ACCOUNT_SUBMITTED or case.account is None:
        return _see_other(next_page(case))
    return _confirm_page(request, customer, case)


@router.post(CONFIRM_PATH)
async def confirm_submit(
    request: Request,
    refund_case_id: str,
    customer: CustomerDep,
    wizard: RefundWizardDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    etag: Annotated[str | None, Form()] = None,
) -> Response:
    case = await wizard.case_of(customer.subject, refund_case_id)
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, CONFIRM_PATH)
    try:
        await wizard.confirm(customer.subject, case, etag or "", idempotency_key(request_id))
    except RefundProblem as problem:
        _log.info("refund_confirmation_refused", reason=problem.reason)
        if problem.key == "already_confirmed" or case.confirmed:
            return _receipt_page(
                request, customer, case, notice="refund.already_confirmed", status=problem.status
            )
        if problem.key == "not_submitted" or case.account is None:
            form = AccountForm.of(case, new_request_id())
            form.errors = {"form": "refund.not_submitted"}
            return _account_page(request, customer, case, form, status=problem.status)
        # The case as read just now, with its new etag: the person checks it again.
        return _confirm_page(
            request, customer, case, notice="refund.changed", status=problem.status
        )
    except AccountRejected:
        return _confirm_page(request, customer, case, notice="refund.changed", status=409)
    return _see_other(refund_paths(case.id).receipt)


@router.get(RECEIPT_PATH)
async def receipt_page(
    request: Request, refund_case_id: str, customer: CustomerDep, wizard: RefundWizardDep
) -> Response:
    """The receipt: the masked account, the amount and what happens next."""
    case = await wizard.case_of(customer.subject, refund_case_id)
    if not case.confirmed:
        return _see_other(next_page(case))
    return _receipt_page(request, customer, case)
