"""Ropo One's *Reklamaatiot*: the queue of open disputes, a dispute's page with its files, and
the agent's decision.

- ``GET /ropo-one/reklamaatiot`` (``?sivu=`` the page number) — the open disputes, the
  longest waiting first (the customer has waited longest, and collection is on hold
  meanwhile): invoice number, debtor, disputed amount, date and number of files;
- ``GET /ropo-one/reklamaatiot/{invoice_id}/{dispute_id}`` — the dispute, the invoice's
  figures, the files and, while open, the form *Ratkaise reklamaatio*: accept in full,
  accept in part (amount) or reject, with a message to the customer;
- ``GET .../liitteet/{index}`` — one file as a download (never rendered by the browser:
  ``attachment``, the stored media type, ``nosniff`` and a sandboxing CSP);
- ``POST .../ratkaise`` — the decision (CSRF, ``request_id``), answered with the dispute
  page again and a notice or the problems next to the fields.

Agents and supervisors only (``dispute_access``); the invoice service decides again. Every
view, download and decision is audited.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Request
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.logging import get_logger
from ropo_platform.money import Money
from ropo_platform.money_proto import optional_money_from_proto
from starlette.responses import Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.clients.authorization import Action, new_request_id
from ropo_gateway.clients.disputes import DisputeView, Resolution
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.payment_time import idempotency_key
from ropo_gateway.ropo_one.access import OpenCase
from ropo_gateway.ropo_one.chat import InvoicesByNameDep
from ropo_gateway.ropo_one.chat_access import InvoicesByName
from ropo_gateway.ropo_one.deps import CasesDep, DisputesDep, PageGuardDep, StaffSessionDep
from ropo_gateway.ropo_one.dispute_access import (
    ATTACHMENT_VIEWED,
    DisputeGuard,
    OpenDispute,
    open_disputes,
)
from ropo_gateway.ropo_one.dispute_resolution import (
    FIELDS,
    Problem,
    ResolutionInput,
    ResolutionRefused,
    check_decision,
    service_refusal,
)
from ropo_gateway.ropo_one.ports import CaseSource
from ropo_gateway.ropo_one.rendering import error_page, render, render_error, staff_translator
from ropo_gateway.ropo_one.views import case_from_invoice

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one.disputes")

QUEUE_PATH: Final = "/ropo-one/reklamaatiot"
DISPUTE_PATH: Final = QUEUE_PATH + "/{invoice_id}/{dispute_id}"
ATTACHMENT_PATH: Final = DISPUTE_PATH + "/liitteet/{index}"
RESOLVE_PATH: Final = DISPUTE_PATH + "/ratkaise"
PAGE_SIZE: Final = 50
#: The most open disputes the queue reads (the service lists at most 1000 per call).
MAX_QUEUE: Final = 5000
#: Media types a dispute file may have, and the extension its download gets.
EXTENSIONS: Final = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_UNSAFE_FILENAME_CHARS: Final = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILENAME_LENGTH: Final = 100
_INDEX: Final = re.compile(r"^[0-9]{1,2}$")


def dispute_guard(cases: PageGuardDep, desk: DisputesDep) -> DisputeGuard:
    """The dispute guard of the pages (audit channel ``ropo_one``)."""
    return DisputeGuard(cases, desk)


DisputeGuardDep = Annotated[DisputeGuard, Depends(dispute_guard)]


def dispute_url(dispute: DisputeView) -> str:
    return DISPUTE_PATH.format(invoice_id=dispute.invoice_id, dispute_id=dispute.dispute_id)


def attachment_url(dispute: DisputeView, index: int) -> str:
    return ATTACHMENT_PATH.format(
        invoice_id=dispute.invoice_id, dispute_id=dispute.dispute_id, index=index
    )


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One open dispute in the queue, with what the list shows of its invoice."""

    dispute: DisputeView
    invoice_number: str
    case_number: str
    debtor_name: str
    #: What is open on the invoice (the amount in question when the whole of it is disputed).
    open_amount: Money | None


async def _queue_rows(
    invoices: InvoicesByName, disputes: tuple[DisputeView, ...], language: str
) -> list[QueueRow]:
    found = {
        item.name: item
        for item in await invoices.invoices_by_name([d.invoice for d in disputes], language)
    }
    rows = []
    for dispute in disputes:
        invoice = found.get(dispute.invoice, invoice_pb2.Invoice())
        rows.append(
            QueueRow(
                dispute=dispute,
                invoice_number=invoice.invoice_number,
                case_number=invoice.case_number,
                debtor_name=invoice.debtor.display_name,
                open_amount=optional_money_from_proto(invoice, "open_amount"),
            )
        )
    return rows


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < len(raw) <= 4 and int(raw) > 0 else 1


@router.get(QUEUE_PATH)
async def dispute_queue(
    request: Request,
    session: StaffSessionDep,
    guard: DisputeGuardDep,
    invoices: InvoicesByNameDep,
    sivu: str = "",
) -> Response:
    """The open disputes, the longest waiting first, 50 a page."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    t = staff_translator(request)
    number = _page_number(sivu)
    try:
        guard.require_queue(session.identity)
        queue = await open_disputes(guard.desk, MAX_QUEUE)
        pages = max(1, -(-len(queue.disputes) // PAGE_SIZE))
        number = min(number, pages)
        shown = queue.disputes[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        rows = await _queue_rows(invoices, shown, t.language)
        await guard.listed(session.identity, len(rows))
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return render(
        request,
        "ropo_one/disputes.html",
        session=session,
        rows=rows,
        open_count=len(queue.disputes),
        truncated=queue.truncated,
        dispute_url=dispute_url,
        page=number,
        previous_url=f"{QUEUE_PATH}?sivu={number - 1}" if number > 1 else "",
        next_url=f"{QUEUE_PATH}?sivu={number + 1}" if number < pages else "",
    )


@dataclass
class ResolveForm:
    """*Ratkaise reklamaatio* as shown again after a refusal: what was typed and why not."""

    typed: ResolutionInput = field(default_factory=ResolutionInput)
    problems: list[Problem] = field(default_factory=list)
    request_id: str = field(default_factory=new_request_id)

    def __post_init__(self) -> None:
        # A henkilötunnus typed into the message is refused, and not written back either.
        if any(problem.code == "identity_code" for problem in self.problems):
            self.typed = replace(self.typed, message="")

    def messages(self, name: str) -> list[str]:
        return [problem.key for problem in self.problems if problem.field == name]

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(input id, text key) of every problem, in the order of the form's fields."""
        order = {name: index for index, name in enumerate(("form", *FIELDS))}
        ranked = sorted(self.problems, key=lambda problem: order.get(problem.field, 0))
        return [(f"resolve-{problem.field}", problem.key) for problem in ranked]


async def _dispute_page(
    request: Request,
    session: StaffSession,
    guard: DisputeGuard,
    opened: OpenDispute,
    *,
    status_code: int = 200,
    notice: str = "",
    form: ResolveForm | None = None,
) -> Response:
    """The dispute's page; each rendering is one recorded view."""
    await guard.viewed(session.identity, opened)
    dispute = opened.dispute
    invoice = opened.case.invoice
    return render(
        request,
        "ropo_one/dispute.html",
        session=session,
        status_code=status_code,
        dispute=dispute,
        case=case_from_invoice(invoice, []),
        by_debtor=dispute.disputer == invoice.debtor.party,
        notice=notice,
        form=form or ResolveForm(),
        attachment_url=attachment_url,
        resolve_url=RESOLVE_PATH.format(
            invoice_id=dispute.invoice_id, dispute_id=dispute.dispute_id
        ),
    )


@router.get(DISPUTE_PATH)
async def dispute_page(
    request: Request,
    invoice_id: str,
    dispute_id: str,
    session: StaffSessionDep,
    guard: DisputeGuardDep,
) -> Response:
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    language = staff_translator(request).language
    try:
        opened = await guard.open(session.identity, invoice_id, dispute_id, language)
        return await _dispute_page(request, session, guard, opened)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)


def _ascii(text: str) -> str:
    # Ä → A, ö → o: the letters survive, only their marks are dropped.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def safe_attachment_filename(filename: str, media_type: str, index: int) -> str:
    """A file name safe inside ``Content-Disposition``: letters, digits, ``.``, ``_`` and
    ``-`` only, no leading dot, ending in the extension of the media type."""
    extension = EXTENSIONS.get(media_type, "bin")
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    cleaned = _UNSAFE_FILENAME_CHARS.sub("-", _ascii(stem)).strip(".-_")
    if not cleaned:
        cleaned = f"liite-{index + 1}"
    return f"{cleaned[: MAX_FILENAME_LENGTH - len(extension) - 1]}.{extension}"


@router.get(ATTACHMENT_PATH)
async def dispute_attachment(
    request: Request,
    invoice_id: str,
    dispute_id: str,
    index: str,
    session: StaffSessionDep,
    guard: DisputeGuardDep,
) -> Response:
    """One file of the dispute as uploaded, always as a download."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    language = staff_translator(request).language
    try:
        opened = await guard.open(session.identity, invoice_id, dispute_id, language)
        dispute = opened.dispute
        if not _INDEX.match(index) or int(index) >= len(dispute.attachments):
            raise await guard.cases.refuse(
                session.identity, f"{dispute.name}/attachments/-", "ATTACHMENT_NOT_FOUND"
            )
        position = int(index)
        file = await guard.desk.get_dispute_attachment(dispute.name, position)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    await guard.viewed(session.identity, opened, ATTACHMENT_VIEWED)
    # A type the service should never have stored is served as opaque bytes.
    media_type = file.media_type if file.media_type in EXTENSIONS else "application/octet-stream"
    filename = safe_attachment_filename(file.filename, media_type, position)
    return Response(
        file.content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "no-store",
        },
    )


async def _fresh_case(cases: CaseSource, case: OpenCase, language: str) -> OpenCase:
    """The case as it is after the decision (amounts credited, stage resumed)."""
    try:
        return OpenCase(await cases.get_invoice(case.name, language), case.decision)
    except UpstreamError as error:
        _log.warning("case_reload_failed", code=error.rpc_error.code.name)
        return case


@router.post(RESOLVE_PATH)
async def resolve_dispute(
    request: Request,
    invoice_id: str,
    dispute_id: str,
    session: StaffSessionDep,
    guard: DisputeGuardDep,
    cases: CasesDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    credited_amount: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
) -> Response:
    """*Ratkaise*: the decision goes to the invoice service, the message to the customer."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    if not csrf_valid(session, csrf_token):
        _log.warning("csrf_rejected", route=RESOLVE_PATH)
        return render_error(request, "forbidden", 403, session=session)
    language = staff_translator(request).language
    identity = session.identity
    typed = ResolutionInput(outcome[:40], credited_amount[:40], message[:8000])
    key = idempotency_key(request_id)
    try:
        opened = await guard.open(identity, invoice_id, dispute_id, language, Action.ADMINISTER)
        try:
            decision = check_decision(typed, opened.dispute, case_open_amount(opened.case))
            result = await guard.desk.resolve_dispute(
                Resolution(
                    request_id=key,
                    name=opened.dispute.name,
                    actor=identity.subject,
                    outcome=decision.outcome,
                    message=decision.message,
                    credited_amount=decision.credited_amount,
                )
            )
        except ResolutionRefused as refused:
            form = ResolveForm(typed, refused.problems, key)
            status = 409 if any(p.code == "not_open" for p in refused.problems) else 400
            return await _dispute_page(
                request, session, guard, opened, status_code=status, form=form
            )
        except UpstreamError as error:
            await guard.acted(identity, opened, error.rpc_error.reason or "", refused=True)
            found = service_refusal(error)
            if found is None:
                raise
            form = ResolveForm(typed, found.problems, key)
            status = 409 if any(p.code == "not_open" for p in found.problems) else 400
            return await _dispute_page(
                request, session, guard, opened, status_code=status, form=form
            )
        await guard.acted(identity, opened, f"DISPUTE_{result.dispute.state.value}")
        resolved = OpenDispute(await _fresh_case(cases, opened.case, language), result.dispute)
        return await _dispute_page(
            request,
            session,
            guard,
            resolved,
            notice=f"one.dispute.done.{decision.outcome.value}",
        )
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)


def case_open_amount(case: OpenCase) -> Money:
    """What is open on the case's invoice (the ceiling of a partial acceptance of a dispute of
    the whole invoice)."""
    return case_from_invoice(case.invoice, []).open_amount
