"""Ropo One's *Maksuaineistot*: payout batches as ISO 20022 pain.001 files and the bank's
pain.002 status reports.

- ``GET /ropo-one/maksuaineistot`` — the batches, newest first (counts, sums, state), and
  for supervisors *Muodosta maksuaineisto* (``POST .../muodosta``: ``execution_date``
  optional, ``request_id``) → ``ExportPayoutBatch`` → 303 to the batch page; with nothing
  approved the list again saying *Ei hyväksyttyjä palautuksia*;
- ``GET /ropo-one/maksuaineistot/{payout_batch_id}`` — one batch, the download link
  ``.../pain001.xml`` (the file exactly as exported, an attachment) and for supervisors the
  upload form of the bank's status report (``POST .../tilaraportti``, multipart, file field
  ``content``) → ``ImportPayoutStatus`` → *Maksetut: n, palautuneet: m*.

The refund service checks the exporter's role; importing has no actor on the wire, so the
gateway lets supervisors only. Every batch view, download and action is audited.
"""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from typing import Final

import grpc
from fastapi import APIRouter, Request
from ropo_platform.logging import get_logger
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.refunds import PayoutBatchView, PayoutFile, PayoutStatusImport
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.refunds import idempotency_key
from ropo_gateway.ropo_one.deps import RefundGuardDep, StaffSessionDep
from ropo_gateway.ropo_one.refund_access import RefundGuard, is_supervisor, staff_actor
from ropo_gateway.ropo_one.rendering import error_page, render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one.payouts")

LIST_PATH: Final = "/ropo-one/maksuaineistot"
EXPORT_PATH: Final = LIST_PATH + "/muodosta"
BATCH_PATH: Final = LIST_PATH + "/{payout_batch_id}"
FILE_PATH: Final = BATCH_PATH + "/pain001.xml"
IMPORT_PATH: Final = BATCH_PATH + "/tilaraportti"
PAGE_SIZE: Final = 50
#: A pain.002 of one batch is a few hundred kilobytes at most (the app caps bodies at 1 MiB).
MAX_REPORT_BYTES: Final = 1024 * 1024
EXPORTED: Final = "PAYOUT_BATCH_EXPORTED"
IMPORTED: Final = "PAYOUT_STATUS_IMPORTED"
BATCH_VIEWED: Final = "PAYOUT_BATCH_VIEWED"
FILE_DOWNLOADED: Final = "PAYOUT_FILE_DOWNLOADED"
SUPERVISOR_ONLY: Final = "SUPERVISOR_REQUIRED"


def batch_url(batch: PayoutBatchView) -> str:
    return BATCH_PATH.format(payout_batch_id=batch.id)


def _text(value: object) -> str:
    # A file part where text belongs is treated as an empty field.
    return value if isinstance(value, str) else ""


async def _list_page(
    request: Request,
    session: StaffSession,
    guard: RefundGuard,
    *,
    status_code: int = 200,
    problem: str = "",
) -> Response:
    page = await guard.desk.list_payout_batches(page_size=PAGE_SIZE)
    return render(
        request,
        "ropo_one/payouts.html",
        session=session,
        status_code=status_code,
        batches=page.batches,
        batch_url=batch_url,
        may_export=is_supervisor(session.identity),
        export_url=EXPORT_PATH,
        request_id=new_request_id(),
        problem=problem,
    )


@router.get(LIST_PATH)
async def payout_list(
    request: Request, session: StaffSessionDep, guard: RefundGuardDep
) -> Response:
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        guard.require_lists(session.identity)
        return await _list_page(request, session, guard)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)


def _execution_date(value: str) -> date | None:
    """The requested execution date, ``None`` when left empty; ``ValueError`` when bad."""
    text = value.strip()
    return date.fromisoformat(text) if text else None


@router.post(EXPORT_PATH)
async def export(request: Request, session: StaffSessionDep, guard: RefundGuardDep) -> Response:
    """*Muodosta maksuaineisto*: every approved refund not yet in a batch into one file."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    form = await request.form()
    try:
        guard.require_lists(session.identity)
        if not csrf_valid(session, _text(form.get(CSRF_FIELD))):
            _log.warning("csrf_rejected", route=EXPORT_PATH)
            return render_error(request, "forbidden", 403, session=session)
        try:
            execution_date = _execution_date(_text(form.get("execution_date")))
        except ValueError:
            return await _list_page(
                request, session, guard, status_code=400, problem="one.payouts.problem.date"
            )
        identity = session.identity
        try:
            made = await guard.desk.export_payout_batch(
                idempotency_key(_text(form.get("request_id"))),
                staff_actor(identity),
                execution_date,
            )
        except UpstreamError as error:
            code, reason = error.rpc_error.code, error.rpc_error.reason or ""
            if code == grpc.StatusCode.FAILED_PRECONDITION:
                await guard.acted(identity, "payoutBatches", reason, refused=True)
                return await _list_page(
                    request,
                    session,
                    guard,
                    status_code=HTTPStatus.CONFLICT,
                    problem="one.payouts.problem.no_approved",
                )
            if code == grpc.StatusCode.PERMISSION_DENIED:
                await guard.acted(identity, "payoutBatches", reason, refused=True)
                return await _list_page(
                    request,
                    session,
                    guard,
                    status_code=HTTPStatus.FORBIDDEN,
                    problem="one.payouts.problem.role",
                )
            raise
        await guard.acted(identity, made.batch.name, EXPORTED)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return RedirectResponse(batch_url(made.batch), status_code=303)


async def _batch_page(
    request: Request,
    session: StaffSession,
    guard: RefundGuard,
    made: PayoutFile,
    *,
    status_code: int = 200,
    imported: PayoutStatusImport | None = None,
    problem: str = "",
) -> Response:
    await guard.viewed(session.identity, made.batch.name, BATCH_VIEWED)
    return render(
        request,
        "ropo_one/payout.html",
        session=session,
        status_code=status_code,
        batch=made.batch,
        file_url=FILE_PATH.format(payout_batch_id=made.batch.id),
        import_url=IMPORT_PATH.format(payout_batch_id=made.batch.id),
        may_import=is_supervisor(session.identity),
        request_id=new_request_id(),
        imported=imported,
        problem=problem,
    )


@router.get(BATCH_PATH)
async def batch_page(
    request: Request, payout_batch_id: str, session: StaffSessionDep, guard: RefundGuardDep
) -> Response:
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        made = await guard.open_batch(session.identity, payout_batch_id)
        return await _batch_page(request, session, guard, made)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)


@router.get(FILE_PATH)
async def payout_file(
    request: Request, payout_batch_id: str, session: StaffSessionDep, guard: RefundGuardDep
) -> Response:
    """The pain.001 file exactly as exported, as a download (it names the payees' accounts:
    never cached)."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        made = await guard.open_batch(session.identity, payout_batch_id)
        await guard.viewed(session.identity, made.batch.name, FILE_DOWNLOADED)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    filename = f"{made.batch.message_id or made.batch.id}.xml"
    return Response(
        made.content,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _import_problem(error: UpstreamError) -> tuple[str, int] | None:
    code, reason = error.rpc_error.code, error.rpc_error.reason or ""
    if code == grpc.StatusCode.NOT_FOUND or reason == "PAYOUT_BATCH_NOT_FOUND":
        return "one.payouts.problem.unknown_batch", HTTPStatus.NOT_FOUND
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return "one.payouts.problem.report", HTTPStatus.BAD_REQUEST
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return "one.payouts.problem.report", HTTPStatus.CONFLICT
    return None


@router.post(IMPORT_PATH)
async def import_status(
    request: Request, payout_batch_id: str, session: StaffSessionDep, guard: RefundGuardDep
) -> Response:
    """*Tuo tilaraportti*: the bank's pain.002 marks refunds paid or back to awaiting an
    account; the batch the report is about is shown with the counts."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    form = await request.form()
    try:
        made = await guard.open_batch(session.identity, payout_batch_id)
        if not csrf_valid(session, _text(form.get(CSRF_FIELD))):
            _log.warning("csrf_rejected", route=IMPORT_PATH)
            return render_error(request, "forbidden", 403, session=session)
        identity = session.identity
        if not is_supervisor(identity):
            await guard.acted(identity, made.batch.name, SUPERVISOR_ONLY, refused=True)
            return await _batch_page(
                request,
                session,
                guard,
                made,
                status_code=HTTPStatus.FORBIDDEN,
                problem="one.payouts.problem.role",
            )
        upload = form.get("content")
        content = await upload.read(MAX_REPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
        if not content or len(content) > MAX_REPORT_BYTES:
            return await _batch_page(
                request, session, guard, made, status_code=400, problem="one.payouts.problem.file"
            )
        try:
            result = await guard.desk.import_payout_status(
                idempotency_key(_text(form.get("request_id"))), staff_actor(identity), content
            )
        except UpstreamError as error:
            found = _import_problem(error)
            if found is None:
                raise
            await guard.acted(identity, made.batch.name, error.rpc_error.reason or "", refused=True)
            return await _batch_page(
                request, session, guard, made, status_code=found[1], problem=found[0]
            )
        await guard.acted(identity, result.batch.name, IMPORTED)
        # The report names its batch: that batch is shown, as it is now.
        reported = PayoutFile(result.batch, b"", "", "")
        return await _batch_page(request, session, guard, reported, imported=result)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
