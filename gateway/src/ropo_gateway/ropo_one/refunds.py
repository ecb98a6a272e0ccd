"""Ropo One's *Palautukset*: the refund list, a refund's page and the staff actions on it.

- ``GET /ropo-one/palautukset`` (``?tila=`` a state, ``kaikki`` or — by default — the
  cases needing action: manual review, awaiting approval, approved; ``?sivu=`` the page
  token) — case number, origin, debtor, payout amount and state, one page at a time;
- ``GET /ropo-one/palautukset/{refund_case_id}`` — the case: amounts, the masked account,
  its holder and reporter, earlier accounts with who replaced them and why, the approver,
  and the forms *Hyväksy* (etag), *Hylkää* (reason) and, for supervisors, *Vaihda
  tilinumero* (iban, bic, holder_name, reason);
- ``POST .../hyvaksy``, ``.../hylkaa``, ``.../vaihda-tilinumero`` — the actions (CSRF,
  ``request_id``), answered with the case page again and a notice or the problem;
- ``GET .../kirje.pdf`` — the case's letter.

Agents and supervisors only (``refund_access``); the refund service decides the actions
again (roles, four eyes, etag, state). Every view and action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Final
from urllib.parse import urlencode

import grpc
from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from ropo_platform.redaction import contains_hetu
from starlette.responses import Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.refunds import (
    FINAL_STATES,
    AccountInput,
    RefundCaseView,
    RefundState,
)
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.refunds import account_errors, idempotency_key
from ropo_gateway.ropo_one.deps import RefundGuardDep, StaffSessionDep
from ropo_gateway.ropo_one.ports import RefundDesk
from ropo_gateway.ropo_one.refund_access import RefundGuard, is_supervisor, staff_actor
from ropo_gateway.ropo_one.rendering import error_page, render, render_error, staff_translator

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one.refunds")

LIST_PATH: Final = "/ropo-one/palautukset"
CASE_PATH: Final = LIST_PATH + "/{refund_case_id}"
APPROVE_PATH: Final = CASE_PATH + "/hyvaksy"
REJECT_PATH: Final = CASE_PATH + "/hylkaa"
CHANGE_PATH: Final = CASE_PATH + "/vaihda-tilinumero"
LETTER_PATH: Final = CASE_PATH + "/kirje.pdf"
PAGE_SIZE: Final = 50
MAX_PAGE_TOKEN_LENGTH: Final = 512
MAX_REASON_LENGTH: Final = 500
NEEDS_ACTION: Final = "toimenpiteet"
ALL_STATES: Final = "kaikki"
#: The default tab: what staff must act on.
ACTION_STATES: Final = (
    RefundState.MANUAL_REVIEW,
    RefundState.AWAITING_APPROVAL,
    RefundState.APPROVED,
)
#: The tabs in order: (query value, text key or state).
LISTED_STATES: Final = tuple(state for state in RefundState if state is not RefundState.UNSPECIFIED)
_APPROVABLE: Final = frozenset({RefundState.MANUAL_REVIEW, RefundState.AWAITING_APPROVAL})
_ACCOUNT_LOCKED: Final = frozenset({RefundState.IN_PAYOUT, *FINAL_STATES})
#: Audit reasons of the staff actions.
APPROVED: Final = "REFUND_APPROVED"
REJECTED: Final = "REFUND_REJECTED"
ACCOUNT_CHANGED: Final = "REFUND_ACCOUNT_CHANGED"
VIEWED: Final = "REFUND_CASE_VIEWED"
LETTER_VIEWED: Final = "REFUND_LETTER_VIEWED"
LISTED: Final = "REFUND_CASES_LISTED"


def case_url(case: RefundCaseView) -> str:
    return CASE_PATH.format(refund_case_id=case.id)


def list_url(tab: str, page_token: str = "") -> str:
    params = {"tila": tab if tab != NEEDS_ACTION else "", "sivu": page_token}
    encoded = urlencode({key: value for key, value in params.items() if value})
    return f"{LIST_PATH}?{encoded}" if encoded else LIST_PATH


def _states_of(tab: str) -> tuple[str, tuple[RefundState, ...]]:
    if tab == ALL_STATES:
        return ALL_STATES, ()
    state = RefundState.__members__.get(tab)
    if state is not None and state is not RefundState.UNSPECIFIED:
        return state.value, (state,)
    return NEEDS_ACTION, ACTION_STATES


@router.get(LIST_PATH)
async def refund_list(
    request: Request,
    session: StaffSessionDep,
    guard: RefundGuardDep,
    tila: str = "",
    sivu: str = "",
) -> Response:
    """The refunds in one state (or those needing action), oldest first."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    tab, states = _states_of(tila)
    token = sivu if len(sivu) <= MAX_PAGE_TOKEN_LENGTH else ""
    try:
        guard.require_lists(session.identity)
        page = await guard.desk.list_refund_cases(
            states=states, page_size=PAGE_SIZE, page_token=token
        )
        # The list shows debtors' names: recorded like a search.
        await guard.viewed(session.identity, "refundCases", LISTED, result_count=len(page.cases))
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return render(
        request,
        "ropo_one/refunds.html",
        session=session,
        cases=page.cases,
        tab=tab,
        tabs=[NEEDS_ACTION, *(state.value for state in LISTED_STATES), ALL_STATES],
        list_url=list_url,
        case_url=case_url,
        next_url=list_url(tab, page.next_page_token) if page.next_page_token else "",
        first_url=list_url(tab) if token else "",
    )


@dataclass
class ChangeForm:
    """*Vaihda tilinumero* as shown again after a refusal: the values typed (the IBAN only
    here, in a supervisor's own form) and a text key per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


async def _case_page(
    request: Request,
    session: StaffSession,
    guard: RefundGuard,
    case: RefundCaseView,
    *,
    status_code: int = 200,
    notice: str = "",
    problem: str = "",
    reject_problem: str = "",
    change: ChangeForm | None = None,
) -> Response:
    """The refund's page; each rendering is one recorded view."""
    await guard.viewed(session.identity, case.name, VIEWED, case.debtor_party)
    supervisor = is_supervisor(session.identity)
    return render(
        request,
        "ropo_one/refund.html",
        session=session,
        status_code=status_code,
        case=case,
        notice=notice,
        problem=problem,
        reject_problem=reject_problem,
        change=change or ChangeForm(),
        may_approve=case.state in _APPROVABLE,
        may_reject=case.state not in _ACCOUNT_LOCKED,
        may_change=supervisor and case.state not in _ACCOUNT_LOCKED,
        new_request_id=new_request_id,
        paths={
            "approve": APPROVE_PATH.format(refund_case_id=case.id),
            "reject": REJECT_PATH.format(refund_case_id=case.id),
            "change": CHANGE_PATH.format(refund_case_id=case.id),
            "letter": LETTER_PATH.format(refund_case_id=case.id),
        },
    )


@router.get(CASE_PATH)
async def refund_page(
    request: Request, refund_case_id: str, session: StaffSessionDep, guard: RefundGuardDep
) -> Response:
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        case = await guard.open_case(session.identity, refund_case_id)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return await _case_page(request, session, guard, case)


def action_problem(error: UpstreamError) -> tuple[str, int] | None:
    """The text key and status of a refused action; ``None`` for an error page."""
    code, reason = error.rpc_error.code, error.rpc_error.reason or ""
    if code == grpc.StatusCode.PERMISSION_DENIED:
        if reason == "REFUND_FOUR_EYES_REQUIRED":
            return "one.refund.problem.four_eyes", HTTPStatus.FORBIDDEN
        return "one.refund.problem.role", HTTPStatus.FORBIDDEN
    if code == grpc.StatusCode.ABORTED:
        return "one.refund.problem.changed", HTTPStatus.CONFLICT
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return "one.refund.problem.state", HTTPStatus.CONFLICT
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return "one.refund.problem.invalid", HTTPStatus.BAD_REQUEST
    return None


def reason_problem(reason: str) -> str:
    """The text key of an unusable free-text reason ('' when it is fine)."""
    text = " ".join(reason.split())
    if not text:
        return "one.refund.problem.reason_required"
    if len(text) > MAX_REASON_LENGTH:
        return "one.refund.problem.reason_too_long"
    # The reason is stored with the case: a henkilötunnus has no place there.
    if contains_hetu(text):
        return "one.refund.problem.identity_code"
    return ""


async def _refused(
    request: Request,
    session: StaffSession,
    guard: RefundGuard,
    case: RefundCaseView,
    error: UpstreamError,
    change: ChangeForm | None = None,
) -> Response:
    """The case page saying why the service refused an action (its current state shown)."""
    found = action_problem(error)
    if found is None:
        return error_page(request, error, session)
    key, status = found
    try:
        fresh = await guard.desk.get_refund_case(case.name)
    except UpstreamError:
        fresh = case
    return await _case_page(
        request, session, guard, fresh, status_code=status, problem=key, change=change
    )


def _csrf_refused(request: Request, session: StaffSession, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    return render_error(request, "forbidden", 403, session=session)


@router.post(APPROVE_PATH)
async def approve(
    request: Request,
    refund_case_id: str,
    session: StaffSessionDep,
    guard: RefundGuardDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
    etag: Annotated[str, Form()] = "",
) -> Response:
    """*Hyväksy*: the account the page showed (its etag) is approved for payout."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        case = await guard.open_case(session.identity, refund_case_id)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    if not csrf_valid(session, csrf_token):
        return _csrf_refused(request, session, APPROVE_PATH)
    identity = session.identity
    try:
        approved = await guard.desk.approve_refund(
            idempotency_key(request_id), case.name, staff_actor(identity), etag[:200]
        )
    except UpstreamError as error:
        await guard.acted(
            identity, case.name, error.rpc_error.reason or "", case.debtor_party, refused=True
        )
        return await _refused(request, session, guard, case, error)
    await guard.acted(identity, case.name, APPROVED, case.debtor_party)
    return await _case_page(request, session, guard, approved, notice="one.refund.done.approved")


@router.post(REJECT_PATH)
async def reject(
    request: Request,
    refund_case_id: str,
    session: StaffSessionDep,
    guard: RefundGuardDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """*Hylkää*: the refund is not paid (final); the reason is shown with the case."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        case = await guard.open_case(session.identity, refund_case_id)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    if not csrf_valid(session, csrf_token):
        return _csrf_refused(request, session, REJECT_PATH)
    problem = reason_problem(reason)
    if problem:
        return await _case_page(
            request, session, guard, case, status_code=400, reject_problem=problem
        )
    identity = session.identity
    try:
        rejected = await guard.desk.reject_refund(
            idempotency_key(request_id), case.name, staff_actor(identity), " ".join(reason.split())
        )
    except UpstreamError as error:
        await guard.acted(
            identity, case.name, error.rpc_error.reason or "", case.debtor_party, refused=True
        )
        return await _refused(request, session, guard, case, error)
    await guard.acted(identity, case.name, REJECTED, case.debtor_party)
    return await _case_page(request, session, guard, rejected, notice="one.refund.done.rejected")


@router.post(CHANGE_PATH)
async def change_account(
    request: Request,
    refund_case_id: str,
    session: StaffSessionDep,
    guard: RefundGuardDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
    iban: Annotated[str, Form()] = "",
    bic: Annotated[str, Form()] = "",
    holder_name: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """*Vaihda tilinumero* (supervisors): a new account, recorded with the reason; the case
    needs approval again, by someone else."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        case = await guard.open_case(session.identity, refund_case_id)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    if not csrf_valid(session, csrf_token):
        return _csrf_refused(request, session, CHANGE_PATH)
    typed = {
        "iban": iban[:64],
        "bic": bic[:20],
        "holder_name": holder_name[:200],
        "reason": reason[:600],
    }
    problem = reason_problem(reason)
    if problem:
        form = ChangeForm(values=typed, errors={"reason": problem})
        return await _case_page(request, session, guard, case, status_code=400, change=form)
    identity = session.identity
    account = AccountInput(
        iban=typed["iban"].strip(),
        bic=typed["bic"].strip(),
        holder_name=typed["holder_name"].strip(),
    )
    try:
        changed = await guard.desk.change_refund_account(
            idempotency_key(request_id),
            case.name,
            staff_actor(identity),
            account,
            " ".join(reason.split()),
        )
    except UpstreamError as error:
        await guard.acted(
            identity, case.name, error.rpc_error.reason or "", case.debtor_party, refused=True
        )
        if (
            error.rpc_error.code == grpc.StatusCode.INVALID_ARGUMENT
            and error.rpc_error.field_violations
        ):
            form = ChangeForm(values=typed, errors=account_errors(error))
            return await _case_page(request, session, guard, case, status_code=400, change=form)
        return await _refused(request, session, guard, case, error, change=ChangeForm(values=typed))
    await guard.acted(identity, case.name, ACCOUNT_CHANGED, case.debtor_party)
    return await _case_page(request, session, guard, changed, notice="one.refund.done.changed")


@router.get(LETTER_PATH)
async def letter(
    request: Request, refund_case_id: str, session: StaffSessionDep, guard: RefundGuardDep
) -> Response:
    """The letter (PDF) as the person got it, in the console's language."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        case = await guard.open_case(session.identity, refund_case_id)
        document = await guard.desk.get_refund_letter(case.name, staff_translator(request).language)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    if document.media_type != "application/pdf" or not document.content.startswith(b"%PDF"):
        _log.error("refund_letter_not_pdf", refund_case=case.name)
        return render_error(request, "unavailable", 502, session=session)
    await guard.viewed(session.identity, case.name, LETTER_VIEWED, case.debtor_party)
    return Response(
        document.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="palautus-{case.case_number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@dataclass(frozen=True, slots=True)
class CaseRefunds:
    """The *Palautukset* section of an invoice's case page (``None`` cases: not readable)."""

    cases: tuple[RefundCaseView, ...] | None


async def case_refunds(desk: RefundDesk, invoice: str, *, shown: bool) -> CaseRefunds | None:
    """The invoice's refund cases for the case page (only for those who handle refunds);
    a refund service that cannot answer leaves the rest of the case page usable."""
    if not shown:
        return None
    try:
        page = await desk.list_refund_cases(invoice=invoice, page_size=PAGE_SIZE)
    except UpstreamError as error:
        _log.warning("refunds_unavailable", code=error.rpc_error.code.name)
        return CaseRefunds(None)
    return CaseRefunds(tuple(case for case in page.cases if case.invoice == invoice))
