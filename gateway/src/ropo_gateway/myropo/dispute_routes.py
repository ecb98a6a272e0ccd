"""*Tee reklamaatio*: the dispute form of an invoice (server-rendered, CSRF-protected).

- ``GET /laskut/{invoice_id}/reklamaatio`` — the form: the whole invoice or a part in euros
  (``12,50``), the reason, up to five files (PDF, JPEG, PNG);
- ``POST /laskut/{invoice_id}/reklamaatio`` (``multipart/form-data``: ``scope``,
  ``disputed_amount``, ``reason``, ``attachments``, ``request_id``) — ``DisputeInvoice`` →
  303 to the invoice page, which then shows the dispute and that collection is on hold.
  Refusals are the form again with a message per field and per file.

Both ask ``CheckAccess(ACTION_MANAGE_PAYMENT_TIME)`` first (the one audited 404 for anyone
else), before the body is read. The body is capped (``MAX_DISPUTE_BODY_BYTES``): a larger
one is refused before it is read, by ``Content-Length``, or as soon as the stream passes the
cap — a readable 413 page here, AIP-193 JSON in the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from fastapi import APIRouter, Request
from ropo_platform.logging import get_logger
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Scope

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.i18n import LANGUAGE_COOKIE, LANGUAGES, Translator, negotiate_language
from ropo_gateway.myropo.access import InvoiceAccess
from ropo_gateway.myropo.deps import (
    Customer,
    CustomerDep,
    DisputeDeskDep,
    InvoiceReaderDep,
    LanguageDep,
)
from ropo_gateway.myropo.disputes import (
    ACCEPT,
    ATTACHMENTS_FIELD,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_DISPUTE_BODY_BYTES,
    MAX_FIELD_BYTES,
    MAX_FORM_FIELDS,
    MAX_PARSED_FILES,
    MAX_REASON_LENGTH,
    DisputeForm,
    DisputeInput,
    DisputeProblem,
    DisputeRejected,
    DisputeSection,
    UploadedFile,
    checked,
    clean_filename,
)
from ropo_gateway.myropo.payment_time import idempotency_key
from ropo_gateway.myropo.views import InvoiceDetail
from ropo_gateway.web.middleware import BodyLimit, BodyTooLarge
from ropo_gateway.web.pages import TEMPLATES, render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.disputes")

DISPUTE_PATH: Final = "/laskut/{invoice_id}/reklamaatio"
SCOPE_WHOLE: Final = "whole"
SCOPE_PART: Final = "part"
#: The routes that take files, and their body cap (every other route keeps the app's).
UPLOAD_BODY_LIMITS: Final[tuple[BodyLimit, ...]] = (
    (re.compile(r"/laskut/[^/]+/reklamaatio"), MAX_DISPUTE_BODY_BYTES),
    (re.compile(r"/api/myropo/v1/invoices/[^/]+/disputes"), MAX_DISPUTE_BODY_BYTES),
)


def dispute_url(invoice_id: str) -> str:
    return f"/laskut/{invoice_id}/reklamaatio"


def render_too_large_page(scope: Scope) -> bytes:
    """The readable 413 page, in the language of the request's cookie (rendered by the
    middleware, before any route ran)."""
    cookies = Request(scope).cookies
    t = Translator(negotiate_language(cookies.get(LANGUAGE_COOKIE)))
    html = TEMPLATES.get_template("error.html").render(
        t=t,
        lang=t.language,
        languages=LANGUAGES,
        here="/",
        session=None,
        csrf_field=CSRF_FIELD,
        page="too_large",
        offer_login=False,
    )
    return html.encode("utf-8")


def too_large_response(request: Request) -> Response:
    """The 413 page for a body that passed the cap while it was read (no Content-Length)."""
    return HTMLResponse(render_too_large_page(request.scope), status_code=413)


class FormUnreadable(Exception):
    """The multipart body could not be parsed (not counting too many files)."""


@dataclass
class DisputeFields:
    """The dispute form or its JSON twin as sent."""

    csrf_token: str = ""
    request_id: str = ""
    scope: str = ""
    amount: str = ""
    reason: str = ""
    files: list[UploadedFile] = field(default_factory=list)
    too_many_files: bool = False
    fields_read: bool = True

    @property
    def whole(self) -> bool:
        """The whole invoice unless a part was chosen (the API: unless an amount was given)."""
        if self.scope in (SCOPE_WHOLE, SCOPE_PART):
            return self.scope == SCOPE_WHOLE
        return not self.amount.strip()

    def input(self) -> DisputeInput:
        return DisputeInput(
            whole=self.whole,
            amount=self.amount,
            reason=self.reason,
            files=tuple(self.files),
            too_many_files=self.too_many_files,
            fields_read=self.fields_read,
        )


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


async def read_dispute_fields(request: Request) -> DisputeFields:
    """The fields and files of a dispute request. ``BodyTooLarge`` when the body passes the
    cap while read; ``FormUnreadable`` when it is not a well-formed form. Each file is read
    up to one byte over the per-file limit, never further."""
    try:
        async with request.form(
            max_files=MAX_PARSED_FILES, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
        ) as form:
            fields = DisputeFields(
                csrf_token=_text(form.get(CSRF_FIELD), 200),
                request_id=_text(form.get("request_id"), 100),
                scope=_text(form.get("scope"), 20),
                amount=_text(form.get("disputed_amount"), 40),
                reason=_text(form.get("reason"), 4 * MAX_REASON_LENGTH),
            )
            parts = [
                item
                for item in form.getlist(ATTACHMENTS_FIELD)
                if isinstance(item, UploadFile) and (item.filename or item.size)
            ]
            if len(parts) > MAX_ATTACHMENTS:
                fields.too_many_files = True
                return fields
            for part in parts:
                content = await part.read(MAX_ATTACHMENT_BYTES + 1)
                fields.files.append(
                    UploadedFile(
                        clean_filename(part.filename or ""), part.content_type or "", content
                    )
                )
            return fields
    except HTTPException as refused:
        # Starlette's parser refuses a flood of parts; a person sees the count they broke.
        if "files" in str(refused.detail).lower():
            return DisputeFields(too_many_files=True, fields_read=False)
        raise FormUnreadable() from None


def _form_page(
    request: Request,
    customer: Customer,
    access: InvoiceAccess,
    detail: InvoiceDetail,
    section: DisputeSection,
    form: DisputeForm,
    status: int = 200,
) -> Response:
    if not form.problem and not section.may_dispute and not section.unavailable:
        form.problem = "already_open" if section.open_dispute is not None else "not_open"
    return render(
        request,
        "dispute.html",
        session=customer.session,
        status_code=status,
        invoice=detail,
        form=form,
        # When the list of disputes could not be read, the service still decides on a dispute.
        show_form=section.may_dispute or section.unavailable or bool(form.errors),
        action=dispute_url(access.id),
        invoice_url=f"/laskut/{access.id}",
        accept=ACCEPT,
        max_files=MAX_ATTACHMENTS,
        max_reason_length=MAX_REASON_LENGTH,
        scope_whole=SCOPE_WHOLE,
        scope_part=SCOPE_PART,
        attachments_field=ATTACHMENTS_FIELD,
    )


@router.get(DISPUTE_PATH)
async def dispute_page(
    request: Request,
    invoice_id: str,
    customer: CustomerDep,
    desk: DisputeDeskDep,
    reader: InvoiceReaderDep,
    language: LanguageDep,
) -> Response:
    access = await desk.require(customer.subject, invoice_id)
    detail = await reader.detail_of(access, language)
    section = await desk.overview(access, detail.row)
    return _form_page(request, customer, access, detail, section, DisputeForm(new_request_id()))


@router.post(DISPUTE_PATH)
async def dispute_submit(
    request: Request,
    invoice_id: str,
    customer: CustomerDep,
    desk: DisputeDeskDep,
    reader: InvoiceReaderDep,
    language: LanguageDep,
) -> Response:
    access = await desk.require(customer.subject, invoice_id)
    try:
        sent = await read_dispute_fields(request)
    except BodyTooLarge:
        return too_large_response(request)
    except FormUnreadable:
        return render_error(request, "bad_request", 400, session=customer.session)
    # A flood of files stops the parser before the token is read; refusing it changes nothing.
    if sent.fields_read and not csrf_valid(customer.session, sent.csrf_token):
        _log.warning("csrf_rejected", route=DISPUTE_PATH)
        return render_error(request, "forbidden", 403, session=customer.session)
    detail = await reader.detail_of(access, language)
    form = DisputeForm(
        request_id=idempotency_key(sent.request_id),
        whole=sent.whole,
        amount=sent.amount.strip(),
        reason=sent.reason.strip()[: MAX_REASON_LENGTH * 2],
    )
    try:
        submission = checked(sent.input(), detail.row.open_amount)
        await desk.submit(access, submission, form.request_id)
    except DisputeRejected as rejected:
        # A new key: the corrected dispute is another request, not a replay of this one.
        form.errors, form.request_id = rejected.errors, new_request_id()
        _log.info("dispute_refused", fields=sorted({item.field for item in rejected.errors}))
        section = await desk.overview(access, detail.row)
        return _form_page(request, customer, access, detail, section, form, 400)
    except DisputeProblem as problem:
        _log.info("dispute_refused", reason=problem.reason)
        form.problem = problem.key
        section = await desk.overview(access, detail.row)
        return _form_page(request, customer, access, detail, section, form, problem.status)
    return RedirectResponse(f"/laskut/{access.id}#reklamaatio", status_code=303)
