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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import grpc
from fastapi import APIRouter, Request
from ropo.invoice.v1 import invoice_event_pb2
from ropo_platform.logging import get_logger
from starlette.datastructures import FormData
from starlette.responses import Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.staff_cookies import clear_staff_session_cookie
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.access import load_case, require_role, visible
from ropo_gateway.ropo_one.deps import CasesDep, StaffSessionDep, staff_token
from ropo_gateway.ropo_one.login import HOME_PATH
from ropo_gateway.ropo_one.ports import CaseSource
from ropo_gateway.ropo_one.rendering import error_page, render, render_error, staff_translator
from ropo_gateway.ropo_one.search import STATE_NAMES, SearchCriteria, SearchProblem, parse_criteria
from ropo_gateway.ropo_one.texts import StaffTranslator
from ropo_gateway.ropo_one.views import CaseRow, case_from_invoice, row_from_invoice
from ropo_gateway.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one")

CASE_PATH: Final = "/ropo-one/tapaukset/{invoice_id}"
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
    audit.record_search(session.identity, len(rows), "page")
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
    request: Request, runtime: RuntimeDep, session: StaffSessionDep, cases: CasesDep
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


@router.get(CASE_PATH)
async def case_page(
    request: Request, invoice_id: str, session: StaffSessionDep, cases: CasesDep
) -> Response:
    """One case: status, customer type, capital and open capital, debtor, dates, ledger and
    the timeline."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    language = staff_translator(request).language
    try:
        invoice = await load_case(cases, session.identity, invoice_id, language)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    events = await _timeline(cases, invoice.name, language)
    case = case_from_invoice(invoice, events or [])
    audit.record_case_view(session.identity, invoice.name, "page")
    return render(
        request,
        "ropo_one/case.html",
        session=session,
        case=case,
        timeline_failed=events is None,
    )
