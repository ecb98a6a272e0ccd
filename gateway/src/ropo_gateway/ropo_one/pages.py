"""Ropo One's pages: the case search (``/ropo-one``) and the case page
(``GET /ropo-one/tapaukset/{invoice_id}``). The language switch is the site-wide
``/kieli/{code}`` (``web/language.py``).

Server-rendered, usable without JavaScript. The search is a CSRF-protected POST
form answered with the results, and its "next page" is a POST too (the criteria
and the page token ride in hidden fields): whatever a staff user types, even a
henkilötunnus the page then refuses, never becomes part of a URL, so it reaches
neither the browser's history nor any proxy's log. ``GET /ropo-one`` only shows
the empty form. Criteria that look like a henkilötunnus are refused by
``search.parse_criteria`` before any call. Every page checks the staff session
and its role; every case read is audited.

The case page lists the case's PSP payments (*Maksut*; ``payments.py``) and its
authorizations (*Valtuutukset*) for agents and
supervisors, with *Peru* on those in force, and their form for a new continuous
authorization (``POST .../jatkuvat-valtuutukset``); creditor users see neither
(who a debtor authorized is none of a creditor's business). Both actions are
CSRF-protected POST forms answered with a redirect back to the case (303) or, when
something must be fixed, the case page again with the problems next to the fields:
the typed name is kept, the henkilötunnus never written back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Final

import grpc
from fastapi import APIRouter, Form, Request
from ropo.invoice.v1 import invoice_event_pb2
from ropo_platform.logging import get_logger
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.staff_cookies import clear_staff_session_cookie
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.clients.authorization import Action, new_request_id
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.chat import conversation_name
from ropo_gateway.ropo_one.access import (
    CaseGuard,
    OpenCase,
    administers_authorizations,
    require_role,
    visible,
)
from ropo_gateway.ropo_one.admin import AuthorizationAdmin, Refused
from ropo_gateway.ropo_one.authorizations import (
    FIELDS,
    FORM,
    AuthorizationRow,
    ContinuousInput,
    may_get_continuous,
    truthy,
)
from ropo_gateway.ropo_one.authorizations import Problem as FormProblem
from ropo_gateway.ropo_one.case_sections import CaseSources, CaseSourcesDep, load_case_sections
from ropo_gateway.ropo_one.deps import (
    AuthorizationsDep,
    CasesDep,
    DisputesDep,
    PageGuardDep,
    PaymentPlansDep,
    PaymentsDep,
    RefundsDep,
    StaffSessionDep,
    staff_token,
)
from ropo_gateway.ropo_one.disputes import dispute_url
from ropo_gateway.ropo_one.login import HOME_PATH
from ropo_gateway.ropo_one.payment_monitoring import (
    MonitoringForm,
    MonitoringInput,
    MonitoringRefused,
    start_monitoring,
)
from ropo_gateway.ropo_one.payment_plans import PlanRefused, active_plan, cancel_plan
from ropo_gateway.ropo_one.payments import case_payments
from ropo_gateway.ropo_one.ports import CaseSource, PaymentLedger, RefundDesk
from ropo_gateway.ropo_one.refunds import case_refunds
from ropo_gateway.ropo_one.refunds import case_url as refund_url
from ropo_gateway.ropo_one.rendering import error_page, render, render_error, staff_translator
from ropo_gateway.ropo_one.search import STATE_NAMES, SearchCriteria, SearchProblem, parse_criteria
from ropo_gateway.ropo_one.texts import FINNISH_TIME, StaffTranslator
from ropo_gateway.ropo_one.views import CaseRow, case_from_invoice, row_from_invoice
from ropo_gateway.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one")

CASE_PATH: Final = "/ropo-one/tapaukset/{invoice_id}"
CONTINUOUS_PATH: Final = CASE_PATH + "/jatkuvat-valtuutukset"
REVOKE_PATH: Final = CASE_PATH + "/valtuutukset/{authorization_id}/peru"
PLAN_CANCEL_PATH: Final = CASE_PATH + "/maksusuunnitelma/peru"
MONITORING_PATH: Final = CASE_PATH + "/maksuvalvonta"
#: Text fields of the search form and the criterion each one fills.
FORM_FIELDS: Final = {
    "q": "query",
    "case_number": "case_number",
    "invoice_number": "invoice_number",
    "reference": "reference",
    "debtor_name": "debtor_name",
}
_TRUE: Final = frozenset({"true", "on", "1"})
_LABELS: Final = {
    "query": "one.search.query",
    "case_number": "one.search.case_number",
    "invoice_number": "one.search.invoice_number",
    "reference": "one.search.reference",
    "debtor_name": "one.search.debtor_name",
    "state": "one.search.state",
    "states": "one.search.state",
}
# The form field (input id) of each criterion, for the error summary's links.
_INPUT_IDS: Final = {name: param for param, name in FORM_FIELDS.items()} | {
    "state": "state",
    "states": "state",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """A refused search field as the page lists it."""

    input_id: str
    message: str


def _problem_text(t: StaffTranslator, problem: SearchProblem) -> Problem:
    label = t(_LABELS[problem.field])
    key = {
        "too_long": "one.validation.too_long",
        "identity_code": "one.validation.identity_code",
        "state": "one.validation.state",
    }[problem.code]
    return Problem(_INPUT_IDS[problem.field], t(key, label=label, max=100))


def _upstream_problems(t: StaffTranslator, error: UpstreamError) -> list[Problem]:
    problems: list[Problem] = []
    for violation in error.rpc_error.field_violations:
        if violation.field == "page_token":
            problems.append(Problem("q", t("one.validation.page_token")))
        else:
            label = t(_LABELS.get(violation.field, "one.search.criteria"))
            message = t("one.validation.upstream", label=label)
            problems.append(Problem(_INPUT_IDS.get(violation.field, "q"), message))
    return problems or [Problem("q", t("one.error.bad_request.body"))]


def _text(form: FormData, name: str) -> str | None:
    # A file part where text belongs is treated as an empty field.
    value = form.get(name)
    return value if isinstance(value, str) else None


def _criteria(form: FormData) -> tuple[SearchCriteria, list[SearchProblem]]:
    return parse_criteria(
        {name: _text(form, param) for param, name in FORM_FIELDS.items()},
        [value for value in form.getlist("state") if isinstance(value, str)],
        (_text(form, "open_only") or "").lower() in _TRUE,
    )


def carried_fields(criteria: SearchCriteria) -> list[tuple[str, str]]:
    """The accepted criteria as the hidden fields of the paging forms (empty ones left out).

    Only values ``parse_criteria`` accepted get here, so a refused value (a henkilötunnus
    among them) is never written back into the page."""
    fields = [(param, getattr(criteria, name)) for param, name in FORM_FIELDS.items()]
    fields += [("state", state) for state in criteria.states]
    if criteria.open_only:
        fields.append(("open_only", "true"))
    return [(name, value) for name, value in fields if value]


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What the results part of the search page shows."""

    rows: list[CaseRow] | None = None
    problems: list[Problem] = field(default_factory=list)
    next_page_token: str = ""
    later_page: bool = False


async def _run_search(
    t: StaffTranslator,
    session: StaffSession,
    cases: CaseSource,
    guard: CaseGuard,
    criteria: SearchCriteria,
    page_token: str,
    page_size: int,
) -> SearchOutcome:
    search = criteria.to_search(session.identity, page_size=page_size, page_token=page_token)
    try:
        found = await cases.search_invoices(search, t.language)
    except UpstreamError as error:
        # Criteria the service refused are the user's to correct; anything else is an error.
        if error.rpc_error.code != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        return SearchOutcome(problems=_upstream_problems(t, error))
    rows = [row_from_invoice(item) for item in visible(session.identity, found.invoices)]
    await guard.searched(session.identity, len(rows))
    return SearchOutcome(
        rows=rows, next_page_token=found.next_page_token, later_page=bool(page_token)
    )


def _search_page(
    request: Request,
    session: StaffSession,
    criteria: SearchCriteria,
    outcome: SearchOutcome,
) -> Response:
    return render(
        request,
        "ropo_one/search.html",
        session=session,
        status_code=400 if outcome.problems else 200,
        criteria=criteria,
        carried=carried_fields(criteria),
        chosen_state=criteria.states[0] if criteria.states else "",
        states=STATE_NAMES,
        problems=outcome.problems,
        rows=outcome.rows,
        next_page_token=outcome.next_page_token,
        later_page=outcome.later_page,
    )


@router.get(HOME_PATH)
async def search_page(request: Request, runtime: RuntimeDep, session: StaffSessionDep) -> Response:
    """The landing page without a staff session; the empty search form with one. A query
    string is ignored: criteria are only ever accepted in a POST body."""
    if session is None:
        response = render(request, "ropo_one/landing.html", session=None)
        if staff_token(request, runtime):
            # An expired or unknown id: drop it so the browser stops sending it.
            clear_staff_session_cookie(response, runtime.settings)
        return response
    try:
        require_role(session.identity)
    except ApiError as error:
        return error_page(request, error, session)
    return _search_page(request, session, SearchCriteria(), SearchOutcome())


@router.post(HOME_PATH)
async def search_submit(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSessionDep,
    cases: CasesDep,
    guard: PageGuardDep,
) -> Response:
    """*Hae* and the paging buttons: the criteria (and the page token) in the form body,
    the results in the response; nothing of the criteria goes into a URL."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    form = await request.form()
    if not csrf_valid(session, _text(form, CSRF_FIELD)):
        _log.warning("csrf_rejected", route=HOME_PATH)
        return render_error(request, "forbidden", 403, session=session)
    t = staff_translator(request)
    criteria, refused = _criteria(form)
    outcome = SearchOutcome(problems=[_problem_text(t, problem) for problem in refused])
    try:
        require_role(session.identity)
        if not outcome.problems:
            outcome = await _run_search(
                t,
                session,
                cases,
                guard,
                criteria,
                _text(form, "page_token") or "",
                runtime.settings.staff_search_page_size,
            )
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return _search_page(request, session, criteria, outcome)


async def _timeline(
    cases: CaseSource, name: str, language: str
) -> list[invoice_event_pb2.InvoiceEvent] | None:
    """The case's events; ``None`` when the timeline could not be read (the page still shows
    the case: an agent on the phone needs the amounts even if the history is down)."""
    try:
        return await cases.list_invoice_events(name, language)
    except UpstreamError as error:
        _log.warning(
            "timeline_unavailable", code=error.rpc_error.code.name, reason=error.rpc_error.reason
        )
        return None


async def _authorization_rows(
    admin: AuthorizationAdmin, case: OpenCase
) -> list[AuthorizationRow] | None:
    """The case's authorizations; ``None`` when they could not be read (the rest of the case
    is still shown)."""
    try:
        return await admin.listed(case)
    except UpstreamError as error:
        _log.warning(
            "authorizations_unavailable",
            code=error.rpc_error.code.name,
            reason=error.rpc_error.reason,
        )
        return None


@dataclass(frozen=True, slots=True)
class ContinuousForm:
    """The continuous authorization form as the page shows it: what was typed (never the
    henkilötunnus), the problems by field and a fresh idempotency key."""

    typed: ContinuousInput = field(default_factory=ContinuousInput)
    problems: list[FormProblem] = field(default_factory=list)
    request_id: str = field(default_factory=new_request_id)

    def messages(self, name: str) -> list[str]:
        """The text keys of the problems of field ``name``."""
        return [f"one.authz.problem.{p.field}.{p.code}" for p in self.problems if p.field == name]

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(input id, text key) of every problem, in the order of the form's fields."""
        order = {name: index for index, name in enumerate((FORM, *FIELDS))}
        ranked = sorted(self.problems, key=lambda problem: order.get(problem.field, 0))
        return [(_FORM_INPUTS[p.field], f"one.authz.problem.{p.field}.{p.code}") for p in ranked]


# The input that a problem's link in the error summary focuses.
_FORM_INPUTS: Final = {name: f"authz-{name}" for name in FIELDS} | {FORM: "authz-grantee_name"}


async def _case_page(
    request: Request,
    session: StaffSession,
    guard: CaseGuard,
    cases: CaseSource,
    admin: AuthorizationAdmin,
    case: OpenCase,
    payments: PaymentLedger,
    refunds: RefundDesk,
    sources: CaseSources,
    *,
    status_code: int = 200,
    form: ContinuousForm | None = None,
    notice: str = "",
    plan_notice: str = "",
    monitoring: MonitoringForm | None = None,
    monitoring_notice: str = "",
) -> Response:
    """The case page of an allowed read, recorded as one case view."""
    language = staff_translator(request).language
    events = await _timeline(cases, case.name, language)
    payment_rows = await case_payments(payments, case.name)
    staff_admin = administers_authorizations(session.identity)
    rows = await _authorization_rows(admin, case) if staff_admin else None
    # *Palautukset*: refunds are Ropo's own business, not shown to creditor users.
    refund_section = await case_refunds(refunds, case.name, shown=staff_admin)
    # Letters, consent, disputes and *Siirrä maksuvalvontaan* (agents and supervisors).
    sections = await load_case_sections(
        sources,
        session.identity,
        case,
        language,
        monitoring=monitoring,
        monitoring_notice=monitoring_notice,
    )
    await guard.viewed(session.identity, case)
    return render(
        request,
        "ropo_one/case.html",
        session=session,
        status_code=status_code,
        case=case_from_invoice(case.invoice, events or []),
        timeline_failed=events is None,
        show_authorizations=staff_admin,
        authorizations=rows,
        authorizations_failed=staff_admin and rows is None,
        continuous=(form or ContinuousForm()) if may_get_continuous(case.invoice) else None,
        can_create=staff_admin,
        notice=notice,
        new_request_id=new_request_id,
        payments=payment_rows,
        refunds=refund_section,
        refund_url=refund_url,
        plan_notice=plan_notice,
        sections=sections,
        dispute_url=dispute_url,
        monitoring_url=MONITORING_PATH.format(invoice_id=case.name.removeprefix("invoices/")),
        # *Peru maksusuunnitelma*: agents and supervisors, while the plan is in force.
        plan_cancel_url=(
            PLAN_CANCEL_PATH.format(invoice_id=case.name.removeprefix("invoices/"))
            if staff_admin and active_plan(case) is not None
            else ""
        ),
    )


def _case_url(case: OpenCase) -> str:
    return CASE_PATH.format(invoice_id=case.name.removeprefix("invoices/"))


def _idempotency_key(submitted: str) -> str:
    """The form's key when it is one (a double submission then acts once), else a new one."""
    try:
        return str(uuid.UUID(submitted))
    except ValueError:
        return new_request_id()


@router.get(CASE_PATH)
async def case_page(
    request: Request,
    invoice_id: str,
    session: StaffSessionDep,
    cases: CasesDep,
    guard: PageGuardDep,
    authorizations: AuthorizationsDep,
    payments: PaymentsDep,
    refunds: RefundsDep,
    sources: CaseSourcesDep,
    keskustelu: str = "",
) -> Response:
    """One case: status, customer type, capital and open capital, debtor, dates, ledger, the
    timeline and (for agents and supervisors) its authorizations. ``?keskustelu=`` (a chat
    conversation's id, from the chat page's link) fills in the continuous authorization
    form's conversation; anything that is not such an id is ignored."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    language = staff_translator(request).language
    try:
        case = await guard.open(session.identity, invoice_id, language)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    admin = AuthorizationAdmin(guard, authorizations)
    conversation = conversation_name(keskustelu) or ""
    form = ContinuousForm(ContinuousInput(conversation=conversation)) if conversation else None
    return await _case_page(
        request, session, guard, cases, admin, case, payments, refunds, sources, form=form
    )


def _refused_csrf(request: Request, session: StaffSession, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    return render_error(request, "forbidden", 403, session=session)


@router.post(CONTINUOUS_PATH)
async def create_continuous_authorization(
    request: Request,
    invoice_id: str,
    session: StaffSessionDep,
    cases: CasesDep,
    guard: PageGuardDep,
    authorizations: AuthorizationsDep,
    payments: PaymentsDep,
    refunds: RefundsDep,
    sources: CaseSourcesDep,
    csrf_token: Annotated[str, Form()] = "",
    grantee_name: Annotated[str, Form()] = "",
    grantee_national_id: Annotated[str, Form()] = "",
    creditor_only: Annotated[str, Form()] = "",
    expire_date: Annotated[str, Form()] = "",
    conversation: Annotated[str, Form()] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Tallenna* of the continuous authorization form: the person named is authorized for
    the case debtor's invoices (or the case creditor's only); back to the case (303)."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    if not csrf_valid(session, csrf_token):
        return _refused_csrf(request, session, CONTINUOUS_PATH)
    typed = ContinuousInput(
        grantee_name=grantee_name,
        national_id=grantee_national_id,
        creditor_only=truthy(creditor_only),
        expire_date=expire_date,
        conversation=conversation,
    )
    language = staff_translator(request).language
    admin = AuthorizationAdmin(guard, authorizations)
    try:
        case = await guard.open(session.identity, invoice_id, language, Action.AUTHORIZE)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    try:
        await admin.create(
            session.identity,
            case,
            typed,
            _idempotency_key(request_id),
            datetime.now(FINNISH_TIME).date(),
        )
    except Refused as refused:
        form = ContinuousForm(typed, refused.problems)
        return await _case_page(
            request,
            session,
            guard,
            cases,
            admin,
            case,
            payments,
            refunds,
            sources,
            status_code=400,
            form=form,
        )
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return RedirectResponse(_case_url(case), status_code=303)


@router.post(REVOKE_PATH)
async def revoke_authorization(
    request: Request,
    invoice_id: str,
    authorization_id: str,
    session: StaffSessionDep,
    cases: CasesDep,
    guard: PageGuardDep,
    authorizations: AuthorizationsDep,
    payments: PaymentsDep,
    refunds: RefundsDep,
    sources: CaseSourcesDep,
    csrf_token: Annotated[str, Form()] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Peru*: end one of the case's authorizations; back to the case (303)."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    if not csrf_valid(session, csrf_token):
        return _refused_csrf(request, session, REVOKE_PATH)
    language = staff_translator(request).language
    admin = AuthorizationAdmin(guard, authorizations)
    try:
        case = await guard.open(session.identity, invoice_id, language, Action.ADMINISTER)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    try:
        await admin.revoke(session.identity, case, authorization_id, _idempotency_key(request_id))
    except Refused as refused:
        notice = f"one.authz.problem.form.{refused.problems[0].code}"
        return await _case_page(
            request,
            session,
            guard,
            cases,
            admin,
            case,
            payments,
            refunds,
            sources,
            status_code=400,
            notice=notice,
        )
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return RedirectResponse(_case_url(case), status_code=303)


@router.post(PLAN_CANCEL_PATH)
async def cancel_payment_plan(
    request: Request,
    invoice_id: str,
    session: StaffSessionDep,
    cases: CasesDep,
    guard: PageGuardDep,
    authorizations: AuthorizationsDep,
    payments: PaymentsDep,
    plans: PaymentPlansDep,
    refunds: RefundsDep,
    sources: CaseSourcesDep,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Peru maksusuunnitelma*: the case's plan ends, collection goes on; the case page again
    with a notice. Agents and supervisors only (``ACTION_ADMINISTER``)."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    if not csrf_valid(session, csrf_token):
        return _refused_csrf(request, session, PLAN_CANCEL_PATH)
    language = staff_translator(request).language
    admin = AuthorizationAdmin(guard, authorizations)
    try:
        case = await guard.open(session.identity, invoice_id, language, Action.ADMINISTER)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    try:
        await cancel_plan(
            guard, plans, session.identity, case, reason, _idempotency_key(request_id)
        )
    except PlanRefused as refused:
        return await _case_page(
            request,
            session,
            guard,
            cases,
            admin,
            case,
            payments,
            refunds,
            sources,
            status_code=400 if refused.code != "not_active" else 409,
            plan_notice=f"one.plan.problem.{refused.code}",
        )
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    try:
        # The page shows the plan as it is now: cancelled.
        fresh = await cases.get_invoice(case.name, language)
    except UpstreamError as error:
        return error_page(request, error, session)
    updated = OpenCase(fresh, case.decision)
    return await _case_page(
        request,
        session,
        guard,
        cases,
        admin,
        updated,
        payments,
        refunds,
        sources,
        plan_notice="one.plan.cancelled",
    )


@router.post(MONITORING_PATH)
async def start_payment_monitoring(
    request: Request,
    invoice_id: str,
    session: StaffSessionDep,
    cases: CasesDep,
    guard: PageGuardDep,
    authorizations: AuthorizationsDep,
    payments: PaymentsDep,
    refunds: RefundsDep,
    sources: CaseSourcesDep,
    desk: DisputesDep,
    csrf_token: Annotated[str, Form()] = "",
    judgment_date: Annotated[str, Form()] = "",
    judgment_reference: Annotated[str, Form()] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Siirrä maksuvalvontaan*: the case in collection goes to payment monitoring and the
    letter is sent; the case page again with a notice. Agents and supervisors only
    (``ACTION_ADMINISTER``)."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    if not csrf_valid(session, csrf_token):
        return _refused_csrf(request, session, MONITORING_PATH)
    language = staff_translator(request).language
    admin = AuthorizationAdmin(guard, authorizations)
    typed = MonitoringInput(judgment_date[:40], judgment_reference[:400])
    key = _idempotency_key(request_id)
    try:
        case = await guard.open(session.identity, invoice_id, language, Action.ADMINISTER)
        if not administers_authorizations(session.identity):
            raise await guard.refuse(session.identity, case.name, "STAFF_ONLY")
        today = datetime.now(FINNISH_TIME).date()
        await start_monitoring(guard, desk, session.identity, case, typed, key, today)
    except MonitoringRefused as refused:
        return await _case_page(
            request,
            session,
            guard,
            cases,
            admin,
            case,
            payments,
            refunds,
            sources,
            status_code=409 if refused.wrong_stage else 400,
            monitoring=MonitoringForm(typed, refused.problems, key),
            monitoring_notice="one.monitoring.problem.form.not_in_collection"
            if refused.wrong_stage
            else "",
        )
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    try:
        # The page shows the case as it is now: in payment monitoring, the letter sent.
        fresh = await cases.get_invoice(case.name, language)
    except UpstreamError as error:
        return error_page(request, error, session)
    return await _case_page(
        request,
        session,
        guard,
        cases,
        admin,
        OpenCase(fresh, case.decision),
        payments,
        refunds,
        sources,
        monitoring_notice="one.monitoring.started",
    )
